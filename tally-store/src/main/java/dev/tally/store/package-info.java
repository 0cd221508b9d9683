package dev.tally.store;
