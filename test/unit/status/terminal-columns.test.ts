import { describe, expect, it } from 'vitest';
import { DEFAULT_COLUMNS, terminalColumns, terminalLineWidth } from '../../../src/status/terminal-columns.js';

describe('terminalColumns', () => {
  it("takes a terminal's own width", () => {
    expect(terminalColumns({ isTTY: true, columns: 132 }, { COLUMNS: '100' })).toBe(132);
  });

  it('takes COLUMNS, else the default, from a terminal that says it is 0 wide (script, a bare pty)', () => {
    expect(terminalColumns({ isTTY: true, columns: 0 }, { COLUMNS: '100' })).toBe(100);
    expect(terminalColumns({ isTTY: true, columns: 0 }, {})).toBe(DEFAULT_COLUMNS);
    expect(terminalColumns({ isTTY: true }, { COLUMNS: 'wide' })).toBe(DEFAULT_COLUMNS);
  });

  it('gives no width off a terminal, where lines are never broken', () => {
    expect(terminalColumns({ isTTY: false, columns: 0 }, { COLUMNS: '100' })).toBeUndefined();
    expect(terminalColumns({}, {})).toBeUndefined();
  });
});

describe('terminalLineWidth', () => {
  it('keeps the last column spare, as a Windows console wraps a line that fills it, and never goes under 20', () => {
    expect(terminalLineWidth({ isTTY: true, columns: 40 })).toBe(39);
    expect(terminalLineWidth({ isTTY: true, columns: 12 })).toBe(20);
    expect(terminalLineWidth({ isTTY: false, columns: 40 })).toBeUndefined();
  });
});
