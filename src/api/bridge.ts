/**
 * Bridges on one socket (`rt.bridge`): ports and their options, FDB entries, VLANs and the VLAN database, and the
 * multicast database — what `bridge link|fdb|vlan|mdb` reach.
 */
import type { NetlinkSocket } from '../socket/socket.js';
import { BridgeFdb } from './bridge-fdb.js';
import { BridgeMdb } from './bridge-mdb.js';
import { BridgePorts } from './bridge-ports.js';
import { BridgeVlans } from './bridge-vlans.js';
import type { Devices } from './devices.js';

/** `rt.bridge`: ports, fdb, vlans and mdb, each on the RouteNetlink's socket. */
export class Bridge {
  readonly ports: BridgePorts;
  readonly fdb: BridgeFdb;
  readonly vlans: BridgeVlans;
  readonly mdb: BridgeMdb;

  constructor(socket: NetlinkSocket, devices: Devices) {
    this.ports = new BridgePorts(socket, devices);
    this.fdb = new BridgeFdb(socket, devices);
    this.vlans = new BridgeVlans(socket, devices);
    this.mdb = new BridgeMdb(socket, devices);
  }
}
