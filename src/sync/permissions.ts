/**
 * Who may do what in a room (pure). The host leads; co-hosts share playback control and the
 * queue; with `control_open` every member may play, pause, seek and change the speed (small
 * friend groups). Roles, segments, settings and ready checks stay with host and co-hosts;
 * handing the host role over and naming co-hosts with the host; removing, banning and muting
 * members with the host and the owner.
 */
export type Permission = "control" | "manage" | "host" | "moderate";

export interface Who {
  is_host: boolean;
  is_cohost: boolean;
  is_owner?: boolean;
}

export function allowed(permission: Permission, who: Who, controlOpen: boolean): boolean {
  switch (permission) {
    case "control":
      return who.is_host || who.is_cohost || controlOpen;
    case "manage":
      return who.is_host || who.is_cohost;
    case "host":
      return who.is_host;
    case "moderate":
      return who.is_host || who.is_owner === true;
  }
}
