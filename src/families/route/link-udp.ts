/**
 * The IFLA_INFO_DATA of geneve, bareudp, amt, hsr, macsec and the kinds of few options (linux/if_link.h), with the
 * byte orders the kernel reads: ports, ethertypes, a geneve flow label and a macsec SCI are in network order, which
 * the generated rt-link spec leaves out (geneve) or lacks the kind for (the others).
 */
import type { AttrSetDecl } from '../../schema/declaration.js';
import { rtLink } from './generated/link.js';

const be = 'big-endian' as const;

export const udpSets = {
  'linkinfo-geneve-attrs': {
    attributes: rtLink.attributeSets['linkinfo-geneve-attrs'].attributes.map((a) =>
      a.name === 'port' || a.name === 'label' ? { ...a, byteOrder: be } : a),
  },
  'linkinfo-bareudp-attrs': {
    attributes: [
      { name: 'port', value: 1, type: 'u16', byteOrder: be },
      { name: 'ethertype', value: 2, type: 'u16', byteOrder: be },
      { name: 'srcportMin', value: 3, type: 'u16' },
      { name: 'multiprotoMode', value: 4, type: 'flag' },
    ],
  },
  'linkinfo-amt-attrs': {
    attributes: [
      { name: 'mode', value: 1, type: 'u32' },
      { name: 'relayPort', value: 2, type: 'u16', byteOrder: be },
      { name: 'gatewayPort', value: 3, type: 'u16', byteOrder: be },
      { name: 'link', value: 4, type: 'u32' },
      { name: 'localIp', value: 5, type: 'binary', display: 'ipv4-or-v6' },
      { name: 'remoteIp', value: 6, type: 'binary', display: 'ipv4-or-v6' },
      { name: 'discoveryIp', value: 7, type: 'binary', display: 'ipv4-or-v6' },
      { name: 'maxTunnels', value: 8, type: 'u32' },
    ],
  },
  'linkinfo-hsr-attrs': {
    attributes: [
      { name: 'slave1', value: 1, type: 'u32' },
      { name: 'slave2', value: 2, type: 'u32' },
      { name: 'multicastSpec', value: 3, type: 'u8' },
      { name: 'supervisionAddr', value: 4, type: 'binary', display: 'mac' },
      { name: 'seqNr', value: 5, type: 'u16' },
      { name: 'version', value: 6, type: 'u8' },
      { name: 'protocol', value: 7, type: 'u8' },
    ],
  },
  'linkinfo-macsec-attrs': {
    attributes: [
      { name: 'sci', value: 1, type: 'u64', byteOrder: be },
      { name: 'port', value: 2, type: 'u16', byteOrder: be },
      { name: 'icvLen', value: 3, type: 'u8' },
      { name: 'cipherSuite', value: 4, type: 'u64' },
      { name: 'window', value: 5, type: 'u32' },
      { name: 'encodingSa', value: 6, type: 'u8' },
      { name: 'encrypt', value: 7, type: 'u8' },
      { name: 'protect', value: 8, type: 'u8' },
      { name: 'incSci', value: 9, type: 'u8' },
      { name: 'es', value: 10, type: 'u8' },
      { name: 'scb', value: 11, type: 'u8' },
      { name: 'replayProtect', value: 12, type: 'u8' },
      { name: 'validation', value: 13, type: 'u8' },
      { name: 'offload', value: 15, type: 'u8' },
    ],
  },
} satisfies Record<string, AttrSetDecl>;

/** Which set each of these kinds' data is read with. */
export const udpKinds = {
  geneve: { attributeSet: 'linkinfo-geneve-attrs' },
  bareudp: { attributeSet: 'linkinfo-bareudp-attrs' },
  amt: { attributeSet: 'linkinfo-amt-attrs' },
  hsr: { attributeSet: 'linkinfo-hsr-attrs' },
  macsec: { attributeSet: 'linkinfo-macsec-attrs' },
} as const;

/** Kinds whose ip helper reads one to three plain options: batadv, dsa, gtp, ipoib, rmnet, wwan. */
export const smallSets = {
  'linkinfo-batadv-attrs': { attributes: [{ name: 'algoName', value: 1, type: 'string' }] },
  'linkinfo-dsa-attrs': { attributes: [{ name: 'master', value: 1, type: 'u32' }] },
  'linkinfo-gtp-attrs': {
    attributes: [
      { name: 'fd0', value: 1, type: 'u32' },
      { name: 'fd1', value: 2, type: 'u32' },
      { name: 'pdpHashsize', value: 3, type: 'u32' },
      { name: 'role', value: 4, type: 'u32' },
      { name: 'createSockets', value: 5, type: 'u8' },
      { name: 'restartCount', value: 6, type: 'u8' },
    ],
  },
  'linkinfo-ipoib-attrs': {
    attributes: [
      { name: 'pkey', value: 1, type: 'u16' },
      { name: 'mode', value: 2, type: 'u16' },
      { name: 'umcast', value: 3, type: 'u16' },
    ],
  },
  'linkinfo-rmnet-attrs': { attributes: [{ name: 'muxId', value: 1, type: 'u16' }] },
  'linkinfo-wwan-attrs': { attributes: [{ name: 'linkId', value: 1, type: 'u32' }] },
} satisfies Record<string, AttrSetDecl>;

export const smallKinds = {
  batadv: { attributeSet: 'linkinfo-batadv-attrs' },
  dsa: { attributeSet: 'linkinfo-dsa-attrs' },
  gtp: { attributeSet: 'linkinfo-gtp-attrs' },
  ipoib: { attributeSet: 'linkinfo-ipoib-attrs' },
  rmnet: { attributeSet: 'linkinfo-rmnet-attrs' },
  wwan: { attributeSet: 'linkinfo-wwan-attrs' },
} as const;
