/**
 * Settings for a server under a load test: every member comes from this one address, so the
 * per-address limits a public server needs would refuse the load generator itself.
 */
export const LOADTEST_LIMITS = {
  RATE_ROOM_CREATE_PER_HOUR: "1000000",
  RATE_CONTROL_PER_S: "1000", // benchmarks seek up to 20 times a second
  RATE_COMMENT_PER_MIN: "100000",
  RATE_JOIN_PER_MIN: "100000",
  RATE_PER_ADDRESS_FACTOR: "10000",
  MAX_PENDING_SEATS_PER_ADDRESS: "100000",
} as const;
