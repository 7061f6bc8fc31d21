"""Tests of the web board in a browser."""
