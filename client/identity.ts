/**
 * The client's identity: the token it presents on every create, join, rejoin and HTTP call
 * (`client.auth.token`, sent as `Authorization: Bearer`). A guest identity the server issues is
 * kept on the client and, in browsers, in localStorage under the key @colyseus/sdk's
 * `client.auth` restores from, so the next page load is the same user.
 */
import { Client } from "@colyseus/sdk";
import type { WatchPartyOptions } from "./party-types.ts";

/** Where browsers keep the identity (the key @colyseus/sdk's client.auth restores from). */
const IDENTITY_STORAGE_KEY = "colyseus-auth-token";

export function toClient(endpoint: string | Client, options: WatchPartyOptions): Client {
  const client = typeof endpoint === "string" ? new Client(endpoint, options.clientOptions) : endpoint;
  if (options.identityToken) client.auth.token = options.identityToken;
  return client;
}

/** Keeps a newly issued identity: on the client (rejoins, HTTP calls) and, in browsers, for next time. */
export function keepIdentity(client: Client, token: string): void {
  client.auth.token = token;
  try {
    globalThis.localStorage?.setItem(IDENTITY_STORAGE_KEY, token);
  } catch {
    /* storage disabled: the identity lasts for this page */
  }
}
