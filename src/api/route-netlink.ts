/**
 * The entry point: one NETLINK_ROUTE socket (strict checking, extended ACKs) in the namespace asked for, with
 * every object on it.
 *
 *   const rt = RouteNetlink.open({ netns: 'blue' });
 *   await rt.routes.add({ dst: '10.0.0.0/24', gateway: '192.0.2.2', dev: 'v0', table: 100 });
 *   for (const l of await rt.links.list()) console.log(l.ifname, l.mtu);
 *   rt.close();
 */
import { Protocol } from '../socket/constants.js';
import { Recorder } from '../socket/record.js';
import { NetlinkSocket, type NetnsRef } from '../socket/socket.js';
import type { Transport } from '../socket/transport.js';
import { Addresses } from './addresses.js';
import { Bridge } from './bridge.js';
import { Devices } from './devices.js';
import { Interfaces } from './interfaces.js';
import { Links } from './links.js';
import { Neighbours } from './neighbours.js';
import { Netconf } from './netconf.js';
import { Nexthops } from './nexthops.js';
import { Nsid } from './nsid.js';
import { Routes } from './routes.js';
import { Rules } from './rules.js';
import { Stats } from './stats.js';
import { Chains, Classes, Filters, Qdiscs } from './tc.js';
import { Actions } from './tc-actions.js';
import { byType, check, instanceOf, integer, netns, object, record, text } from './input.js';

const openOptions = record({
  netns, receiveBufferSize: integer(4096, 0x7fffffff), record: byType({ string: text(4095, 1), object: instanceOf(Recorder, 'a Recorder') }, 'a file path or a Recorder'),
  transport: object,
});

/** What RouteNetlink.open takes. */
export interface RouteNetlinkOptions {
  /** A namespace by name (`/run/netns/NAME`), `{ path }`, `{ pid }` or `{ fd }`; default the process's own. */
  netns?: NetnsRef;
  /** Receive buffer in bytes (default 8 MiB). */
  receiveBufferSize?: number;
  /** Record the socket's traffic as pcapng: a file path or a shared Recorder (see OpenOptions.record). */
  record?: string | Recorder;
  /** Talk to something else than the kernel: a recording, `Replay.fromFile(path)` (see OpenOptions.transport). */
  transport?: Transport;
}

/**
 * Every NETLINK_ROUTE object on one socket: `rt.links`, `rt.routes`, …, each with list, get, add, replace, change,
 * delete and bulk forms.
 */
export class RouteNetlink {
  /** @internal Device names resolved to ifindexes, shared by the objects of this socket. */
  readonly devices: Devices;
  readonly links: Links;
  readonly addresses: Addresses;
  readonly routes: Routes;
  readonly nexthops: Nexthops;
  readonly neighbours: Neighbours;
  readonly rules: Rules;
  readonly netconf: Netconf;
  readonly nsid: Nsid;
  readonly interfaces: Interfaces;
  /** Bridge ports, FDB, VLANs and multicast database (`bridge link|fdb|vlan|mdb`). */
  readonly bridge: Bridge;
  /** Statistics by group: the link's, the kinds' extended ones, offload, per family (`ip stats`). */
  readonly stats: Stats;
  /** Traffic control: queueing disciplines, classes, filters and chains (`tc qdisc`, `class`, `filter`, `chain`). */
  readonly qdiscs: Qdiscs;
  readonly classes: Classes;
  readonly filters: Filters;
  readonly chains: Chains;
  /** Standalone tc actions (`tc actions add|change|replace|delete`). */
  readonly actions: Actions;

  private constructor(readonly socket: NetlinkSocket) {
    this.devices = new Devices(socket);
    this.links = new Links(socket, this.devices);
    this.addresses = new Addresses(socket, this.devices);
    this.routes = new Routes(socket, this.devices);
    this.nexthops = new Nexthops(socket, this.devices);
    this.neighbours = new Neighbours(socket, this.devices);
    this.rules = new Rules(socket, this.devices);
    this.netconf = new Netconf(socket, this.devices);
    this.nsid = new Nsid(socket);
    this.interfaces = new Interfaces(this.links, this.addresses);
    this.bridge = new Bridge(socket, this.devices);
    this.stats = new Stats(socket, this.devices);
    this.qdiscs = new Qdiscs(socket, this.devices);
    this.classes = new Classes(socket, this.devices);
    this.filters = new Filters(socket, this.devices);
    this.chains = new Chains(socket, this.devices);
    this.actions = new Actions(socket);
  }

  /** Open a NETLINK_ROUTE socket (in a namespace, if given) with every object on it. */
  static open(options: RouteNetlinkOptions = {}): RouteNetlink {
    check(openOptions, options);
    const { receiveBufferSize, transport } = options;
    const socket = NetlinkSocket.open(Protocol.ROUTE, { netns: options.netns, receiveBufferSize, record: options.record, transport });
    return new RouteNetlink(socket);
  }

  /** Close the socket; calls in flight reject with ERR_NETLINK_CLOSED. */
  close(): void {
    this.socket.close();
  }
}
