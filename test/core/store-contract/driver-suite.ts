/**
 * The driver half of the store contract: what `src/core/db/driver.ts`
 * promises, checked on the driver under test. Every expectation here is the
 * same for both drivers unless a branch says otherwise (one documented
 * difference: integers beyond 2^53).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import type { SqliteDriver } from '../../../src/core/db/driver.js'
import { tempDir } from '../../helpers.js'
import type { DriverUnderTest } from './driver-under-test.js'

/** Registers a test; the suite collects titles so a rerun elsewhere can be compared. */
export type Register = (title: string, fn: () => unknown) => void

/** The error `fn` throws (fails the test when it throws nothing). */
export function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn()
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('expected an error, but nothing was thrown')
}

export function driverContract(d: DriverUnderTest, test: Register): void {
  const memory = (): SqliteDriver => {
    const db = d.open(':memory:', {})
    db.exec('CREATE TABLE t (a, b)')
    return db
  }
  const count = (db: SqliteDriver) =>
    db.prepare('SELECT count(*) AS n FROM t').get<{ n: number }>()!.n

  test('is the driver under test', () => {
    const db = d.open(':memory:', {})
    expect(db.name).toBe(d.name)
    expect(db.path).toBe(':memory:')
    if (d.name === 'node:sqlite') {
      expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(22)
    }
    db.close()
  })

  test('exec runs several statements; one that fails stops there, earlier ones stay', () => {
    const db = memory()
    db.exec("INSERT INTO t VALUES (1, 'x'); INSERT INTO t VALUES (2, 'y');")
    expect(count(db)).toBe(2)
    expect(
      thrown(() =>
        db.exec(
          'INSERT INTO t VALUES (3, 0); INSERT INTO nope VALUES (1); INSERT INTO t VALUES (4, 0)',
        ),
      ).message,
    ).toMatch(/no such table: nope/)
    expect(db.prepare('SELECT a FROM t ORDER BY a').all()).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }])
    db.exec('-- only a comment')
    db.close()
  })

  test('binds positional values and @name keys; bare keys only, extra keys ignored, missing ones refused', () => {
    const db = memory()
    const positional = db.prepare('INSERT INTO t VALUES (?, ?)')
    expect(positional.run([1, 'one']).changes).toBe(1)
    const named = db.prepare('INSERT INTO t VALUES (@a, :b)')
    named.run({ a: 2, b: 'two', unused: 'ignored' })
    expect(db.prepare('SELECT b FROM t WHERE a = @a AND b = @b').get({ a: 2, b: 'two' })).toEqual({
      b: 'two',
    })
    expect(db.prepare('SELECT @x AS p, @x AS q').get({ x: 7 })).toEqual({ p: 7, q: 7 })
    expect(thrown(() => named.run({ a: 3 })).message).toBe('Missing named parameter "b"')
    expect(thrown(() => named.run({ '@a': 3, b: 'x' })).message).toBe('Missing named parameter "a"')
    expect(thrown(() => named.run([3, 'x'])).message).toBe(
      'Too many parameter values were provided',
    )
    // Parameter-like text inside literals, quoted names and comments is not a parameter.
    expect(db.prepare(`SELECT '@no' AS "@q", ? AS "x?" -- @c ?\n /* :d */`).get([5])).toEqual({
      '@q': '@no',
      'x?': 5,
    })
    expect(count(db)).toBe(2)
    db.close()
  })

  test('checks the number of positional values', () => {
    const db = memory()
    const insert = db.prepare('INSERT INTO t VALUES (?, ?)')
    expect(thrown(() => insert.run([1])).message).toBe('Too few parameter values were provided')
    expect(thrown(() => insert.run([1, 2, 3])).message).toBe(
      'Too many parameter values were provided',
    )
    expect(thrown(() => insert.run()).message).toBe('Too few parameter values were provided')
    expect(thrown(() => insert.run({ a: 1 })).message).toBe(
      'Too few parameter values were provided',
    )
    expect(count(db)).toBe(0)
    db.close()
  })

  test('binds undefined as NULL and refuses booleans, dates and other objects', () => {
    const db = memory()
    db.prepare('INSERT INTO t VALUES (?, ?)').run([1, undefined])
    db.prepare('INSERT INTO t VALUES (@a, @b)').run({ a: 2, b: undefined })
    expect(db.prepare('SELECT a, b FROM t ORDER BY a').all()).toEqual([
      { a: 1, b: null },
      { a: 2, b: null },
    ])
    for (const bad of [true, new Date(0), Symbol('s'), () => 1]) {
      const err = thrown(() => db.prepare('INSERT INTO t VALUES (?, ?)').run([3, bad]))
      expect(err).toBeInstanceOf(TypeError)
      expect(err.message).toBe('SQLite3 can only bind numbers, strings, bigints, buffers, and null')
    }
    // A plain object among positional values: refused (better-sqlite3 takes it for a
    // bag of named values and finds too few; node:sqlite cannot bind it).
    expect(() => db.prepare('INSERT INTO t VALUES (?, ?)').run([3, { x: 1 }])).toThrow()
    expect(thrown(() => db.prepare('SELECT @a').get(new Map() as never))).toBeInstanceOf(TypeError)
    expect(count(db)).toBe(2)
    db.close()
  })

  test('reports changes and lastInsertRowid', () => {
    const db = d.open(':memory:', {})
    db.exec('CREATE TABLE r (id INTEGER PRIMARY KEY, v TEXT)')
    expect(db.prepare('INSERT INTO r (v) VALUES (?)').run(['a'])).toEqual({
      changes: 1,
      lastInsertRowid: 1,
    })
    expect(db.prepare('INSERT INTO r (id, v) VALUES (?, ?)').run([41, 'b'])).toEqual({
      changes: 1,
      lastInsertRowid: 41,
    })
    expect(db.prepare('INSERT INTO r (v) SELECT v FROM r').run()).toEqual({
      changes: 2,
      lastInsertRowid: 43,
    })
    expect(db.prepare('UPDATE r SET v = ? WHERE id > ?').run(['z', 1]).changes).toBe(3)
    expect(db.prepare('DELETE FROM r WHERE id < 0').run().changes).toBe(0)
    expect(db.prepare('SELECT 1').run().changes).toBe(0)
    db.close()
  })

  test('get and all on a statement that returns no rows return nothing and do not run it', () => {
    const db = memory()
    const insert = db.prepare("INSERT INTO t VALUES (1, 'x')")
    expect(insert.get()).toBeUndefined()
    expect(insert.all()).toEqual([])
    expect(count(db)).toBe(0)
    expect(db.prepare('SELECT a FROM t WHERE 0').get()).toBeUndefined()
    expect(db.prepare('SELECT a FROM t WHERE 0').all()).toEqual([])
    expect(db.prepare("INSERT INTO t VALUES (2, 'y') RETURNING a * 10 AS ten").get()).toEqual({
      ten: 20,
    })
    db.close()
  })

  test('rows are plain objects keyed by column name', () => {
    const db = memory()
    const row = db.prepare('SELECT 1 AS a, 2 AS b, 3 AS a').get()!
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype)
    expect(row).toStrictEqual({ a: 3, b: 2 })
    expect(Object.keys(row)).toEqual(['a', 'b'])
    expect(JSON.stringify(db.prepare('SELECT 1 AS one').all())).toBe('[{"one":1}]')
    db.close()
  })

  test('round-trips NULL, integers, reals, text, blobs and bigints', () => {
    const db = d.open(':memory:', {})
    db.exec('CREATE TABLE v (k TEXT PRIMARY KEY, any, i INTEGER, r REAL, s TEXT, b BLOB)')
    const put = db.prepare('INSERT INTO v VALUES (@k, @any, @i, @r, @s, @b)')
    const text = 'Grüße 👋 — naïve\n"quoted" \'single\''
    put.run({
      k: 'a',
      any: null,
      i: 2 ** 53 - 1,
      r: 0.1 + 0.2,
      s: text,
      b: Buffer.from([0, 1, 254, 255]),
    })
    put.run({ k: 'b', any: 7n, i: -(2 ** 53 - 1), r: -0.5, s: '', b: new Uint8Array([9, 8]) })
    put.run({ k: 'c', any: 2n ** 62n, i: 0, r: 1e300, s: 'x'.repeat(100_000), b: Buffer.alloc(0) })
    const get = db.prepare('SELECT any, i, r, s, b, typeof(any) AS t FROM v WHERE k = ?')
    const a = get.get<Record<string, unknown>>(['a'])!
    expect(a).toEqual({
      any: null,
      i: 2 ** 53 - 1,
      r: 0.1 + 0.2,
      s: text,
      b: Buffer.from([0, 1, 254, 255]),
      t: 'null',
    })
    expect(Buffer.isBuffer(a.b)).toBe(true)
    const b = get.get<Record<string, unknown>>(['b'])!
    expect(b).toEqual({
      any: 7,
      i: -(2 ** 53 - 1),
      r: -0.5,
      s: '',
      b: Buffer.from([9, 8]),
      t: 'integer',
    })
    expect(typeof b.any).toBe('number')
    expect(Buffer.isBuffer(b.b)).toBe(true)
    expect(
      db.prepare("SELECT CAST(any AS TEXT) AS v, typeof(any) AS t FROM v WHERE k = 'c'").get(),
    ).toEqual({ v: '4611686018427387904', t: 'integer' })
    expect(
      db.prepare("SELECT length(s) AS n, length(b) AS m, r FROM v WHERE k = 'c'").get(),
    ).toEqual({ n: 100_000, m: 0, r: 1e300 })
    expect(db.prepare('SELECT ? AS big').get([2n ** 53n - 1n])).toEqual({ big: 2 ** 53 - 1 })
    // The one documented difference: an integer beyond 2^53 read back as a number.
    const read = () => db.prepare("SELECT any FROM v WHERE k = 'c'").get()
    if (d.name === 'better-sqlite3') expect(read()).toEqual({ any: 2 ** 62 })
    else expect(thrown(read)).toBeInstanceOf(RangeError)
    db.close()
  })

  test('a statement is usable again after it failed', () => {
    const db = d.open(':memory:', {})
    db.exec('CREATE TABLE u (a INTEGER UNIQUE)')
    const insert = db.prepare('INSERT INTO u VALUES (?)')
    insert.run([1])
    expect(thrown(() => insert.run([1])).code).toBe('SQLITE_CONSTRAINT_UNIQUE')
    expect(insert.run([2]).changes).toBe(1)
    const select = db.prepare('SELECT a FROM u ORDER BY a')
    expect(select.all()).toEqual([{ a: 1 }, { a: 2 }])
    expect(select.get()).toEqual({ a: 1 })
    expect(select.get()).toEqual({ a: 1 })
    db.close()
  })

  test('errors are SqliteError with the SQLite result code name', () => {
    const db = d.open(':memory:', {})
    db.exec(`CREATE TABLE p (id INTEGER PRIMARY KEY, n INTEGER NOT NULL CHECK (n > 0), u TEXT UNIQUE);
             CREATE TABLE c (pid INTEGER REFERENCES p(id))`)
    db.exec("INSERT INTO p VALUES (1, 1, 'u')")
    const cases: [string, string][] = [
      ["INSERT INTO p VALUES (1, 1, 'v')", 'SQLITE_CONSTRAINT_PRIMARYKEY'],
      ["INSERT INTO p VALUES (2, 1, 'u')", 'SQLITE_CONSTRAINT_UNIQUE'],
      ["INSERT INTO p VALUES (2, NULL, 'v')", 'SQLITE_CONSTRAINT_NOTNULL'],
      ["INSERT INTO p VALUES (2, 0, 'v')", 'SQLITE_CONSTRAINT_CHECK'],
      ['INSERT INTO c VALUES (99)', 'SQLITE_CONSTRAINT_FOREIGNKEY'],
    ]
    for (const [sql, code] of cases) {
      const err = thrown(() => db.prepare(sql).run())
      expect(err.name).toBe('SqliteError')
      expect(err.code).toBe(code)
    }
    const syntax = thrown(() => db.prepare('SELEC 1'))
    expect([syntax.name, syntax.code]).toEqual(['SqliteError', 'SQLITE_ERROR'])
    expect(syntax.message).toMatch(/syntax error/)
    db.close()
  })

  test('prepare refuses several statements and none, but allows trailing comments', () => {
    const db = d.open(':memory:', {})
    expect(thrown(() => db.prepare('SELECT 1; SELECT 2')).message).toBe(
      'The supplied SQL string contains more than one statement',
    )
    expect(thrown(() => db.prepare('')).message).toBe(
      'The supplied SQL string contains no statements',
    )
    expect(db.prepare('SELECT 1 AS x; -- note\n /* more */ ;').get()).toEqual({ x: 1 })
    db.close()
  })

  test('read-only: the file must exist and cannot be written', () => {
    const dir = tempDir()
    const missing = join(dir, 'missing.db')
    expect(() => d.open(missing, { readonly: true })).toThrow()
    expect(existsSync(missing)).toBe(false)
    const path = join(dir, 'ro.db')
    const rw = d.open(path, {})
    rw.exec('CREATE TABLE t (a); INSERT INTO t VALUES (1)')
    rw.close()
    const ro = d.open(path, { readonly: true })
    expect(ro.prepare('SELECT a FROM t').all()).toEqual([{ a: 1 }])
    expect(thrown(() => ro.prepare('INSERT INTO t VALUES (2)').run()).code).toBe('SQLITE_READONLY')
    ro.close()
  })

  test('close twice is harmless; a closed connection refuses work', () => {
    const db = d.open(':memory:', {})
    db.close()
    db.close()
    expect(thrown(() => db.exec('SELECT 1')).message).toBe('The database connection is not open')
  })

  test('sets the busy timeout it is given (default 15 s)', () => {
    const dir = tempDir()
    const a = d.open(join(dir, 'a.db'), {})
    const b = d.open(join(dir, 'b.db'), { busyTimeoutMs: 1234 })
    expect(a.prepare('PRAGMA busy_timeout').get()).toEqual({ timeout: 15_000 })
    expect(b.prepare('PRAGMA busy_timeout').get()).toEqual({ timeout: 1234 })
    expect(b.prepare('PRAGMA foreign_keys').get()).toEqual({ foreign_keys: 1 })
    a.close()
    b.close()
  })
}
