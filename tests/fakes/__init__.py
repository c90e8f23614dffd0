"""Test fakes of outside services: real servers on localhost that the real clients talk to."""
