package io.streamgate.cluster.security;

/** A key just made, with the secret its holder presents: shown this once, kept nowhere. */
public record NewApiKey(ApiKey key, String secret) {}
