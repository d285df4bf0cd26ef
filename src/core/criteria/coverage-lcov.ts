/**
 * LCOV tracefiles (`lcov.info`, from geninfo, istanbul, c8, cargo-llvm-cov,
 * grcov …), as geninfo(1) describes the format.
 */
import { badCoverage as bad, type CoverageSummary, percent } from './coverage-summary.js'

interface LcovCounts {
  found: number
  hit: number
  seen: boolean
}

/**
 * Read an LCOV tracefile: `LF/LH` (lines), `BRF/BRH` (branches), `FNF/FNH`
 * (functions) summed over its `SF:` sections; a section without a summary
 * record is counted from its `DA`/`BRDA`/`FNDA` records. No statements.
 *
 * @throws TaskError('BadReport') on a line that is not a record, a bad count,
 *   more hit than found, or no line records at all.
 */
export function parseLcov(body: string, file: string): CoverageSummary {
  const totals = {
    lines: { found: 0, hit: 0, seen: false },
    branches: { found: 0, hit: 0, seen: false },
    functions: { found: 0, hit: 0, seen: false },
  }
  const lines = body.split(/\r?\n/)
  let section = freshSection()
  let inSection = false
  const close = (): void => {
    addSection(totals.lines, section.LF, section.LH, section.da)
    addSection(totals.branches, section.BRF, section.BRH, section.brda)
    addSection(totals.functions, section.FNF, section.FNH, section.fnda)
    section = freshSection()
    inSection = false
  }
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim()
    if (line === '') continue
    if (line === 'end_of_record') {
      close()
      continue
    }
    const colon = line.indexOf(':')
    if (colon <= 0) {
      throw bad(
        file,
        `line ${index + 1} is not an LCOV record: ${JSON.stringify(line)}.`,
        'malformed',
        {
          line: index + 1,
        },
      )
    }
    const key = line.slice(0, colon)
    const value = line.slice(colon + 1)
    const fields = value.split(',')
    inSection = true
    const int = (text: string | undefined): number => {
      const parsed = Number(text)
      if (text === undefined || text.trim() === '' || !Number.isInteger(parsed) || parsed < 0) {
        throw bad(
          file,
          `line ${index + 1} has a bad ${key} count: ${JSON.stringify(line)}.`,
          'malformed',
          {
            line: index + 1,
          },
        )
      }
      return parsed
    }
    switch (key) {
      case 'LF':
      case 'LH':
      case 'BRF':
      case 'BRH':
      case 'FNF':
      case 'FNH':
        section[key] = int(value)
        break
      case 'DA':
        section.da.found += 1
        if (int(fields[1]) > 0) section.da.hit += 1
        break
      case 'BRDA': {
        // BRDA:<line>,<block>,<branch>,<taken>; taken is '-' when never reached.
        const taken = fields.length >= 4 ? fields[fields.length - 1] : undefined
        section.brda.found += 1
        if (taken !== '-' && int(taken) > 0) section.brda.hit += 1
        break
      }
      case 'FNDA':
        section.fnda.found += 1
        if (int(fields[0]) > 0) section.fnda.hit += 1
        break
      default:
        // TN, SF, FN, FNL, FNA, VER, … carry names, not counts.
        break
    }
  }
  if (inSection) close()
  const metrics: CoverageSummary['metrics'] = {}
  for (const metric of ['lines', 'branches', 'functions'] as const) {
    const { found, hit, seen } = totals[metric]
    if (!seen) continue
    if (hit > found) {
      throw bad(file, `says more ${metric} hit (${hit}) than found (${found}).`, 'malformed')
    }
    metrics[metric] = { pct: percent(hit, found), covered: hit, total: found }
  }
  if (metrics.lines === undefined) {
    throw bad(
      file,
      'looks like LCOV but has no line records (LF/LH or DA). Regenerate it; an empty ' +
        'tracefile usually means no source file was instrumented.',
      'empty',
    )
  }
  return { file, format: 'lcov', metrics }
}

function freshSection() {
  return {
    LF: undefined as number | undefined,
    LH: undefined as number | undefined,
    BRF: undefined as number | undefined,
    BRH: undefined as number | undefined,
    FNF: undefined as number | undefined,
    FNH: undefined as number | undefined,
    da: { found: 0, hit: 0 },
    brda: { found: 0, hit: 0 },
    fnda: { found: 0, hit: 0 },
  }
}

/** Add one section: its summary record when present, else its detail records. */
function addSection(
  into: LcovCounts,
  found: number | undefined,
  hit: number | undefined,
  detail: { found: number; hit: number },
): void {
  if (found !== undefined || hit !== undefined) {
    into.found += found ?? 0
    into.hit += hit ?? 0
    into.seen = true
  } else if (detail.found > 0) {
    into.found += detail.found
    into.hit += detail.hit
    into.seen = true
  }
}
