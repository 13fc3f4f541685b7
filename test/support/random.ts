/**
 * Seeded randomness for tests: a failing run can be replayed from the seed it prints.
 * `seeded('LOAD')` reads GOPHER_RELOAD_SEED_LOAD (or picks a seed from the clock) and prints it.
 */
export function rng(seed: number): () => number {
  // mulberry32: small, fast, and the same on every platform.
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seeded(name: string): () => number {
  const env = process.env[`GOPHER_RELOAD_SEED_${name}`];
  const seed = env ? Number(env) : Date.now() % 1_000_000;
  console.log(`      (random values: seed ${seed}; replay with GOPHER_RELOAD_SEED_${name}=${seed})`);
  return rng(seed);
}
