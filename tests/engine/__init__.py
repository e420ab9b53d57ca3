"""Tests of the pure engine: no Home Assistant involved."""
