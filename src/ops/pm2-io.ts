/**
 * Keeps @pm2/io out of the process. @colyseus/core imports it whenever it resolves (it does:
 * `pm2` is a dependency, for clusters) to publish ccu and room count to `pm2 monit`; once
 * loaded it calls process._getActiveHandles() every second (an array of every socket: tens of
 * ms at 18,000 members) and runs its own event-loop probes. Colyseus ignores a failed import,
 * so a resolve hook that refuses the name is all it takes. PM2_IO=true lets it load.
 * Upstream, @colyseus/core could load it only when asked (an option, or when run by PM2).
 */
import { registerHooks } from "node:module";

let hooked = false;

export function keepPm2IoOut(): void {
  if (hooked) return;
  hooked = true;
  registerHooks({
    resolve(specifier, context, next) {
      if (specifier === "@pm2/io" || specifier.startsWith("@pm2/io/"))
        throw Object.assign(new Error("@pm2/io is kept out of this process (PM2_IO=false)"), {
          code: "ERR_MODULE_NOT_FOUND",
        });
      return next(specifier, context);
    },
  });
}
