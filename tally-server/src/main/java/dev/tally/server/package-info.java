package dev.tally.server;
