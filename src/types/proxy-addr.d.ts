/** proxy-addr 2 (Express's own, installed with it): the subset AniSync uses. */
declare module "proxy-addr" {
  import type { IncomingMessage } from "node:http";

  type Trust = (addr: string, hop: number) => boolean;

  function proxyaddr(req: IncomingMessage, trust: Trust | string | string[]): string;
  namespace proxyaddr {
    function all(req: IncomingMessage, trust?: Trust | string | string[]): string[];
    /** Throws TypeError on an invalid address or range. */
    function compile(val: string | string[]): Trust;
  }
  export = proxyaddr;
}
