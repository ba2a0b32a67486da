/**
 * PrefixTable longest-prefix match against a naive scan, on seeded random IPv4 and IPv6
 * prefixes and addresses, plus the edge cases (default routes, host routes, families).
 */
import { expect } from 'chai';
import { mulberry32 } from '../helpers/random.js';
import { parseAddress, parsePrefix, type Address, type Family, type Prefix } from '../../src/model/ip.js';
import { PrefixTable } from '../../src/lookup/trie.js';

const prng = mulberry32;

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

function randomBits(rand: () => number, bits: number): bigint {
  let v = 0n;
  for (let i = 0; i < bits; i += 32) v = (v << 32n) | BigInt(Math.floor(rand() * 4294967296) >>> 0);
  return v & ((1n << BigInt(bits)) - 1n);
}

function mask(bits: number, length: number): bigint {
  return ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - length)) - 1n);
}

/** Text form written here, not by the code under test: dotted quad, or eight full hextets. */
function text(family: Family, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
  return [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => ((value >> s) & 0xffffn).toString(16)).join(':');
}

interface Entry {
  family: Family;
  value: bigint;
  length: number;
  id: number;
}

/** Naive longest-prefix match: scan every entry; the last inserted wins for equal prefixes. */
function naive(entries: Entry[], family: Family, addr: bigint): Entry | undefined {
  let best: Entry | undefined;
  const bits = BITS[family];
  for (const e of entries) {
    if (e.family !== family) continue;
    if ((addr & mask(bits, e.length)) !== e.value) continue;
    if (!best || e.length > best.length || e.length === best.length) best = e;
  }
  return best;
}

function prefixOf(e: Entry): Prefix {
  const p = parsePrefix(`${text(e.family, e.value)}/${e.length}`);
  expect(p, `${text(e.family, e.value)}/${e.length}`).to.not.equal(undefined);
  expect(p!.value).to.equal(e.value);
  expect(p!.length).to.equal(e.length);
  return p!;
}

/** Random prefixes, a third of them nested inside earlier ones so that matches overlap. */
function randomEntries(rand: () => number, family: Family, count: number, minLength: number): Entry[] {
  const bits = BITS[family];
  const out: Entry[] = [];
  for (let i = 0; i < count; i++) {
    let length: number;
    let value: bigint;
    const parent = out.length > 0 && rand() < 0.35 ? out[Math.floor(rand() * out.length)] : undefined;
    if (parent && parent.length < bits) {
      length = parent.length + 1 + Math.floor(rand() * (bits - parent.length));
      value = (parent.value | (randomBits(rand, bits) & ~mask(bits, parent.length))) & mask(bits, length);
    } else {
      length = minLength + Math.floor(rand() * (bits - minLength + 1));
      // Few distinct top bytes, so unrelated prefixes share leading bits.
      const top = BigInt(Math.floor(rand() * 4)) << BigInt(bits - 8);
      value = (top | (randomBits(rand, bits) & ((1n << BigInt(bits - 8)) - 1n))) & mask(bits, length);
    }
    out.push({ family, value, length, id: i });
  }
  return out;
}

/** Addresses: half inside a random entry (random host bits), half anywhere in the same top-byte range. */
function randomAddresses(rand: () => number, family: Family, entries: Entry[], count: number): bigint[] {
  const bits = BITS[family];
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) {
    const e = entries[Math.floor(rand() * entries.length)]!;
    if (rand() < 0.5) out.push(e.value | (randomBits(rand, bits) & ~mask(bits, e.length)));
    else out.push((BigInt(Math.floor(rand() * 5)) << BigInt(bits - 8)) | (randomBits(rand, bits) & ((1n << BigInt(bits - 8)) - 1n)));
  }
  return out;
}

function check(table: PrefixTable<number>, entries: Entry[], family: Family, addrs: bigint[]): { matched: number; missed: number } {
  let matched = 0;
  let missed = 0;
  for (const a of addrs) {
    const want = naive(entries, family, a);
    const addrText = text(family, a);
    const got = table.match(addrText);
    const gotParsed = table.match({ family, value: a } as Address);
    expect(gotParsed?.value, addrText).to.equal(got?.value);
    if (!want) {
      expect(got, `${addrText} should match nothing`).to.equal(undefined);
      missed++;
      continue;
    }
    expect(got, `${addrText} should match /${want.length}`).to.not.equal(undefined);
    expect(got!.prefix.length, addrText).to.equal(want.length);
    expect(got!.prefix.value, addrText).to.equal(want.value);
    expect(got!.prefix.family, addrText).to.equal(family);
    expect(got!.value, addrText).to.equal(want.id);
    matched++;
  }
  return { matched, missed };
}

describe('PrefixTable: longest-prefix match against a naive scan', function () {
  for (const [family, seed, count, lookups] of [
    [4, 0x5eed4, 3000, 4000],
    [6, 0x5eed6, 2000, 3000],
  ] as [Family, number, number, number][]) {
    it(`IPv${family}: ${count} random prefixes, ${lookups} random addresses`, function () {
      const rand = prng(seed);
      const entries = randomEntries(rand, family, count, 9);
      const table = new PrefixTable<number>();
      const distinct = new Set<string>();
      for (const e of entries) {
        const key = `${e.value}/${e.length}`;
        const old = table.insert(prefixOf(e), e.id);
        // insert returns the value it replaced for the very same prefix.
        const previous = [...entries.slice(0, e.id)].reverse().find((x) => x.value === e.value && x.length === e.length);
        expect(old).to.equal(previous?.id);
        distinct.add(key);
      }
      expect(table.size).to.equal(distinct.size);
      const { matched, missed } = check(table, entries, family, randomAddresses(rand, family, entries, lookups));
      // The generator makes both outcomes common; a test that only ever misses proves little.
      expect(matched).to.be.greaterThan(lookups / 3);
      expect(missed).to.be.greaterThan(lookups / 20);
      // Every prefix's own network address matches it or a longer prefix at that address.
      for (const e of entries) {
        const got = table.match(text(family, e.value));
        expect(got!.prefix.length).to.be.at.least(e.length);
      }
    });
  }

  it('both families in one table, with duplicates and re-inserts', function () {
    const rand = prng(42);
    const v4 = randomEntries(rand, 4, 800, 0);
    const v6 = randomEntries(rand, 6, 800, 0).map((e) => ({ ...e, id: e.id + 10000 }));
    // Re-insert some prefixes with new ids: the last one wins.
    const again = [...v4.slice(0, 50), ...v6.slice(0, 50)].map((e, i) => ({ ...e, id: 20000 + i }));
    const all = [...v4, ...v6, ...again];
    const table = new PrefixTable<number>();
    for (const e of all) table.insert(prefixOf(e), e.id);
    check(table, all, 4, randomAddresses(rand, 4, v4, 1500));
    check(table, all, 6, randomAddresses(rand, 6, v6, 1500));
  });

  it('is deterministic: the same seed gives the same prefixes', function () {
    const a = randomEntries(prng(7), 6, 50, 1).map((e) => `${e.value}/${e.length}`);
    const b = randomEntries(prng(7), 6, 50, 1).map((e) => `${e.value}/${e.length}`);
    const c = randomEntries(prng(8), 6, 50, 1).map((e) => `${e.value}/${e.length}`);
    expect(a).to.deep.equal(b);
    expect(a).to.not.deep.equal(c);
  });
});

describe('PrefixTable: edge cases', function () {
  const table = (...prefixes: string[]): PrefixTable<string> => {
    const t = new PrefixTable<string>();
    for (const p of prefixes) {
      const parsed = parsePrefix(p);
      expect(parsed, p).to.not.equal(undefined);
      t.insert(parsed!, p);
    }
    return t;
  };

  it('an empty table matches nothing', function () {
    const t = new PrefixTable<string>();
    expect(t.size).to.equal(0);
    expect(t.match('10.0.0.1')).to.equal(undefined);
    expect(t.match('::1')).to.equal(undefined);
  });

  it('0.0.0.0/0 is the default for every IPv4 address, and loses to anything longer', function () {
    const t = table('0.0.0.0/0', '10.0.0.0/8', '10.0.1.0/24');
    expect(t.match('0.0.0.0')?.value).to.equal('0.0.0.0/0');
    expect(t.match('255.255.255.255')?.value).to.equal('0.0.0.0/0');
    expect(t.match('11.0.0.0')?.value).to.equal('0.0.0.0/0');
    expect(t.match('10.255.255.255')?.value).to.equal('10.0.0.0/8');
    expect(t.match('10.0.1.0')?.value).to.equal('10.0.1.0/24');
    expect(t.match('10.0.1.255')?.value).to.equal('10.0.1.0/24');
    expect(t.match('10.0.2.0')?.value).to.equal('10.0.0.0/8');
  });

  it('/32 host prefixes match exactly one address', function () {
    const t = table('198.51.100.0/24', '198.51.100.1/32', '198.51.100.1', '255.255.255.255/32');
    expect(t.size).to.equal(3); // "198.51.100.1" is the same prefix as /32
    expect(t.match('198.51.100.1')?.value).to.equal('198.51.100.1');
    expect(t.match('198.51.100.1')?.prefix.length).to.equal(32);
    expect(t.match('198.51.100.0')?.value).to.equal('198.51.100.0/24');
    expect(t.match('198.51.100.2')?.value).to.equal('198.51.100.0/24');
    expect(t.match('255.255.255.255')?.value).to.equal('255.255.255.255/32');
    expect(t.match('255.255.255.254')).to.equal(undefined);
  });

  it('IPv6 ::/0, /128 hosts, and compressed and embedded-IPv4 forms', function () {
    const t = table('::/0', '2001:db8::/32', '2001:db8:0:1::/64', '2001:db8::1/128', '::ffff:0:0/96');
    expect(t.match('::')?.value).to.equal('::/0');
    expect(t.match('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')?.value).to.equal('::/0');
    expect(t.match('2001:db8::1')?.value).to.equal('2001:db8::1/128');
    expect(t.match('2001:0db8:0000:0000:0000:0000:0000:0001')?.value).to.equal('2001:db8::1/128');
    expect(t.match('2001:db8::2')?.value).to.equal('2001:db8::/32');
    expect(t.match('2001:db8:0:1:ffff::1')?.value).to.equal('2001:db8:0:1::/64');
    expect(t.match('2001:db9::')?.value).to.equal('::/0');
    expect(t.match('::ffff:10.0.0.1')?.value).to.equal('::ffff:0:0/96');
  });

  it('families never match each other', function () {
    const v4only = table('0.0.0.0/0', '10.0.0.0/8');
    expect(v4only.match('::')).to.equal(undefined);
    expect(v4only.match('::a00:1')).to.equal(undefined); // the same 32 low bits as 10.0.0.1
    expect(v4only.match('::ffff:10.0.0.1')).to.equal(undefined); // IPv4-mapped is still IPv6
    const v6only = table('::/0', '::a00:0/104');
    expect(v6only.match('10.0.0.1')).to.equal(undefined);
    expect(v6only.match('0.0.0.0')).to.equal(undefined);
    const both = table('0.0.0.0/0', '::/0');
    expect(both.match('10.0.0.1')?.value).to.equal('0.0.0.0/0');
    expect(both.match('::1')?.value).to.equal('::/0');
  });

  it('insert replaces the value of the same prefix and returns the old one', function () {
    const t = new PrefixTable<string>();
    const p = parsePrefix('10.0.0.0/8')!;
    expect(t.insert(p, 'a')).to.equal(undefined);
    expect(t.insert(parsePrefix('10.0.0.0/8')!, 'b')).to.equal('a');
    expect(t.insert(parsePrefix('10.0.0.0/9')!, 'c')).to.equal(undefined);
    expect(t.size).to.equal(2);
    expect(t.match('10.1.2.3')?.value).to.equal('c');
    expect(t.match('10.200.2.3')?.value).to.equal('b');
  });

  it('unparsable addresses match nothing, even with a default route', function () {
    const t = table('0.0.0.0/0', '::/0');
    for (const bad of ['', '10.0.0', '10.0.0.256', '010.0.0.1', 'localhost', '2001:db8:::1', '10.0.0.1/32', ' 10.0.0.1']) {
      expect(t.match(bad), JSON.stringify(bad)).to.equal(undefined);
    }
  });

  it('parsePrefix refuses host bits, bad lengths and junk', function () {
    for (const bad of ['10.0.0.1/8', '10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/08', '10.0.0.0/', '::1/64', '::/129', 'x/8']) {
      expect(parsePrefix(bad), bad).to.equal(undefined);
    }
    expect(parseAddress('10.0.0.1')).to.deep.equal({ family: 4, value: 0x0a000001n });
  });
});

describe('ipv4Number (the trie fast path)', () => {
  it('reads dotted quads as RFC 3986 writes them, and nothing else', async () => {
    const { ipv4Number } = await import('../../src/lookup/trie.js');
    expect(ipv4Number('0.0.0.0')).to.equal(0);
    expect(ipv4Number('255.255.255.255')).to.equal(4294967295);
    expect(ipv4Number('10.0.2.100')).to.equal(167772772);
    for (const bad of ['010.0.0.1', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', '1.2.3.', '', ' 1.2.3.4', '1.2.3.4a', '::1', '1.2.3.0/24']) {
      expect(ipv4Number(bad), bad).to.equal(undefined);
    }
  });
});
