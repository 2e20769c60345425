/**
 * The Redis database a test's own cluster of processes uses: CLUSTER_REDIS_URL, else REDIS_URL's
 * server with database 4 (the in-process test server keeps REDIS_URL's own database). Tests that
 * use it flush it first; mocha runs them one after another.
 */
export function clusterRedisUrl(): string {
  if (process.env.CLUSTER_REDIS_URL) return process.env.CLUSTER_REDIS_URL;
  const u = new URL(process.env.REDIS_URL!);
  u.pathname = "/4";
  return u.toString();
}
