import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../../src/config.ts";

describe("configuration", () => {
  it("has the documented defaults", () => {
    const c = loadConfig({});
    assert.equal(c.PORT, 2567);
    assert.equal(c.DATABASE_URL, undefined);
    assert.equal(c.DATA_DIR, "./data");
    assert.equal(c.SYNC_TOLERANCE_S, 2);
    assert.equal(c.RECONNECT_WINDOW_S, 30);
    assert.equal(c.PATCH_RATE_MS, 50);
    assert.equal(c.TOKEN_SECRET, undefined);
  });

  it("names every bad variable in one clear error", () => {
    assert.throws(
      () =>
        loadConfig({
          PORT: "http",
          SYNC_TOLERANCE_S: "-1",
          DATABASE_URL: "mysql://x",
          TOKEN_SECRET: "short",
        }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        for (const name of ["PORT", "SYNC_TOLERANCE_S", "DATABASE_URL", "TOKEN_SECRET"]) {
          assert.match(err.message, new RegExp(`${name}:`));
        }
        return true;
      },
    );
  });

  it("refuses ADMIN_PORT without ADMIN_PASSWORD (there would be no monitor to serve)", () => {
    assert.throws(
      () => loadConfig({ ADMIN_PORT: "9000" }),
      /ADMIN_PORT: serves the monitor, which needs ADMIN_PASSWORD/,
    );
    assert.equal(loadConfig({ ADMIN_PORT: "9000", ADMIN_PASSWORD: "long-enough" }).ADMIN_PORT, 9000);
  });

  it("treats empty variables as unset", () => {
    assert.equal(loadConfig({ DATABASE_URL: "" }).DATABASE_URL, undefined);
  });
});
