// The admission policy's decisions over hand-made sessions: which subnet an inbound address counts toward, and
// the per-subnet bound on non-members.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostKeyOf } from '../../src/core/routing/subnet.js';
import { AdmissionPolicy, defaultAdmission, ipOf, subnetKey } from '../../src/net/peers/admission.js';
import type { PeerSession } from '../../src/net/peers/interface.js';

function inbound(nodeId: string, remoteAddress: string): PeerSession {
  return {
    connection: { outbound: false, remoteAddress },
    state: 'established',
    nodeId,
    peer: null,
    openedAt: 0,
  } as unknown as PeerSession;
}

describe('subnetKey', () => {
  it('expands compressed IPv6 before taking the /48', () => {
    assert.equal(subnetKey('2001::1'), subnetKey('2001::2'));
    assert.equal(subnetKey('2001:db8::5'), subnetKey('2001:db8:0:1::5'));
    assert.equal(subnetKey('2001:DB8:0:ffff::1'), subnetKey('2001:db8::9'));
    assert.notEqual(subnetKey('2001:db8:1::1'), subnetKey('2001:db8:2::1'));
  });

  it('takes the /24 of IPv4, mapped or not, from a socket’s "ip:port"', () => {
    assert.equal(subnetKey(ipOf('10.1.2.3:4000')), subnetKey(ipOf('::ffff:10.1.2.200:5')));
    assert.notEqual(subnetKey(ipOf('10.1.2.3:4000')), subnetKey(ipOf('10.1.3.3:4000')));
    assert.equal(subnetKey(ipOf('2001:db8::5:4000')), subnetKey('2001:db8:0:7::1'));
  });
});

describe('hostKeyOf', () => {
  it('is the whole IPv4 address (mapped or not) and the /64 of an IPv6 one', () => {
    assert.equal(hostKeyOf('10.1.2.3'), hostKeyOf('::ffff:10.1.2.3'));
    assert.notEqual(hostKeyOf('10.1.2.3'), hostKeyOf('10.1.2.4'));
    assert.equal(hostKeyOf('2001:db8:0:1::a'), hostKeyOf('2001:db8:0:1:ffff:ffff:ffff:ffff'));
    assert.equal(hostKeyOf('2001:db8::1'), hostKeyOf('2001:DB8:0:0:9::'));
    assert.notEqual(hostKeyOf('2001:db8:0:1::a'), hostKeyOf('2001:db8:0:2::a'));
  });
});

describe('AdmissionPolicy.onHandshaken', () => {
  const policy = new AdmissionPolicy(
    { ...defaultAdmission(32), maxPerSubnet: 2 },
    (id) => id.startsWith('member'),
    () => 0,
  );

  it('bounds non-members per IPv6 /48 whichever way their addresses are written', () => {
    const held = [inbound('a', '2001:db8::5:1000'), inbound('b', '2001:db8:0:1::5:1001')];
    const verdict = policy.onHandshaken(held, inbound('c', '2001:db8:0:0:0:0:0:9:1002'));
    assert.equal(verdict.kind, 'refuse');
    assert.equal(policy.onHandshaken(held, inbound('d', '2001:db9::5:1003')).kind, 'admit');
    assert.equal(policy.onHandshaken(held, inbound('member-1', '2001:db8::7:1004')).kind, 'admit');
  });
});

describe('AdmissionPolicy.onSocket', () => {
  const policy = new AdmissionPolicy(
    { ...defaultAdmission(32), maxPendingHandshakes: 4, maxPendingPerIp: 2, exemptLoopback: true },
    () => false,
    () => 0,
  );
  const waiting = (remoteAddress: string, openedAt: number, said = false) =>
    ({
      connection: { outbound: false, remoteAddress },
      state: 'handshaking',
      nodeId: null,
      peer: said ? {} : null,
      openedAt,
    }) as unknown as PeerSession;

  it('makes room for a third socket from one IP among that IP’s own, the oldest silent one first', () => {
    const [spoke, silent, other] = [
      waiting('10.0.0.1:1', 1, true),
      waiting('10.0.0.1:2', 2),
      waiting('10.0.0.2:1', 0),
    ];
    const verdict = policy.onSocket([spoke, silent, other], waiting('10.0.0.1:3', 3));
    assert.deepEqual(verdict, { kind: 'admit', evict: silent });
    assert.deepEqual(policy.onSocket([spoke, silent, other], waiting('10.0.0.3:1', 3)), { kind: 'admit' });
  });

  it('counts an IPv6 /64 as one host: its 2^64 addresses share one share of the pool', () => {
    const [first, second] = [waiting('2001:db8:0:1::a:1', 1), waiting('2001:db8:0:1:ffff::b:2', 2)];
    const verdict = policy.onSocket([first, second], waiting('2001:db8:0:1:1:2:3:4:3', 3));
    assert.deepEqual(verdict, { kind: 'admit', evict: first });
    assert.deepEqual(policy.onSocket([first, second], waiting('2001:db8:0:2::a:4', 4)), { kind: 'admit' });
  });

  it('exempts loopback from the per-IP bound, not from the pool’s', () => {
    const pending = [1, 2, 3, 4].map((port) => waiting(`127.0.0.1:${port}`, port));
    const verdict = policy.onSocket(pending.slice(0, 3), waiting('127.0.0.1:9', 9));
    assert.deepEqual(verdict, { kind: 'admit' });
    assert.deepEqual(policy.onSocket(pending, waiting('127.0.0.1:9', 9)), {
      kind: 'admit',
      evict: pending[0],
    });
  });
});
