package io.streamgate.cluster.security;

/**
 * An API key as the cluster keeps it: its public id, its owner, when it was made, and the SHA-256 of
 * its secret (never the secret: it is shown once, when made). The secret is 256 random bits, so a
 * plain hash is enough; no salt or slow hash is needed against guessing.
 */
public record ApiKey(String id, Principal principal, long createdMs, byte[] secretHash) {}
