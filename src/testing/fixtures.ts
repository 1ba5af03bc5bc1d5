/**
 * Recorded kernel conversations (tools/record-fixtures.ts, run as root) that the fixture tests replay without root:
 * each fixture is a namespace's state, the commands that made it, and recordings of nlkit reading it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { RouteNetlink } from '../api/route-netlink.js';

/** src/testing/fixtures, from dist/src/testing (tests) or src/testing. */
export const fixturesDir = new URL('../../../src/testing/fixtures/', import.meta.url);

export interface Fixture {
  name: string;
  /** What was recorded on: kernel release and `ip -V`. */
  recordedOn: string;
  /** The commands that made the namespace's state, in order (`ip -n NS` left out). */
  state: string[];
  /** CLI runs: `nlkit -n NS --record FILE ...args`, and what `ip -n NS ...args` printed at the same time. */
  cli: { args: string[]; recording: string; ip: string }[];
  /** The recording of `apiSession` on the namespace. */
  api: string;
}

export function loadFixtures(): Fixture[] {
  return readdirSync(fixturesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(new URL(f, fixturesDir), 'utf8')) as Fixture);
}

export const fixturePath = (file: string): string => new URL(file, fixturesDir).pathname;

/** The API calls recorded and replayed: the same in the tool and the tests, so every request has its answer. */
export async function apiSession(rt: RouteNetlink) {
  return {
    links: await rt.links.list(),
    addresses: await rt.addresses.list(),
    routes: await rt.routes.list(),
    neighbours: await rt.neighbours.list(),
    rules: await rt.rules.list(),
    nexthops: await rt.nexthops.list(),
  };
}
