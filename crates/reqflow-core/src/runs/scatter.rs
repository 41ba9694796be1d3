//! The scatter of a run, start time against duration, in bounded memory.
//!
//! Up to [`POINT_CAP`] requests every request is a point of its own. Beyond that the plot is a
//! grid: [`COLUMNS`] columns of start time (their width doubles, folding pairs of columns, when a
//! request starts past the right edge, so any run fits) by [`ROWS`] rows of duration (8 per power
//! of two, from 1 µs to about 18 minutes, the ends clamped). Each cell keeps its count, its
//! errors and one request index to draw and open: its slowest error if it has errors, else its
//! slowest request. Either way every dot the page draws is a request index.

use serde::{Deserialize, Serialize};

/// Requests drawn as exact points; beyond this the grid is used.
pub const POINT_CAP: usize = 5_000;
/// Columns of start time.
pub const COLUMNS: u32 = 200;
/// Rows per power of two of duration.
const ROW_BITS: u32 = 3;
const ROWS_PER_POWER: u32 = 1 << ROW_BITS;
/// Durations below 2^10 ns share the first row, from 2^40 ns the last.
const MIN_POWER: u32 = 10;
const MAX_POWER: u32 = 40;
/// Rows of duration.
pub const ROWS: u32 = (MAX_POWER - MIN_POWER) * ROWS_PER_POWER;

/// One request as a dot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScatterPoint {
    pub request: u64,
    /// Arrival, ns of virtual time from the run's start.
    pub start_ns: i64,
    pub duration_ns: i64,
    pub failed: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct CellState {
    count: u32,
    errors: u32,
    /// The representative: (failed, duration, reverse index) is what it maximises.
    request: u64,
    duration_ns: i64,
    failed: bool,
}

impl CellState {
    fn offer(&mut self, point: &ScatterPoint) {
        let better = self.count == 0
            || (point.failed, point.duration_ns, std::cmp::Reverse(point.request))
                > (self.failed, self.duration_ns, std::cmp::Reverse(self.request));
        if better {
            self.request = point.request;
            self.duration_ns = point.duration_ns;
            self.failed = point.failed;
        }
        self.count += 1;
        self.errors += u32::from(point.failed);
    }

    fn merge(&mut self, other: &CellState) {
        if other.count == 0 {
            return;
        }
        let (count, errors) = (self.count + other.count, self.errors + other.errors);
        let point = ScatterPoint {
            request: other.request,
            start_ns: 0,
            duration_ns: other.duration_ns,
            failed: other.failed,
        };
        self.offer(&point);
        self.count = count;
        self.errors = errors;
    }
}

/// One non-empty cell of the grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScatterCell {
    pub column: u32,
    pub row: u32,
    /// The cell's start times: `start_ns .. start_ns + column_ns` of the grid.
    pub start_ns: i64,
    /// The cell's durations: `duration_floor_ns ..= duration_ceil_ns` (clamped rows reach
    /// further).
    pub duration_floor_ns: i64,
    pub duration_ceil_ns: i64,
    pub count: u32,
    pub errors: u32,
    /// The request to draw and open: the slowest error, else the slowest request.
    pub request: u64,
    pub request_duration_ns: i64,
    pub request_failed: bool,
}

/// The scatter as the page draws it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ScatterReport {
    /// Every request, when the run had at most [`POINT_CAP`]; empty otherwise.
    pub points: Vec<ScatterPoint>,
    /// The grid (always filled), non-empty cells in column then row order.
    pub columns: u32,
    pub rows: u32,
    pub column_ns: i64,
    pub cells: Vec<ScatterCell>,
}

/// The scatter while a run goes on.
#[derive(Clone, Debug)]
pub struct Scatter {
    points: Vec<ScatterPoint>,
    points_dropped: bool,
    column_ns: i64,
    /// `COLUMNS × ROWS`, column-major.
    cells: Vec<CellState>,
}

impl Scatter {
    /// A scatter for a run expected to last about `expected_ns` of virtual time.
    pub fn new(expected_ns: i64) -> Scatter {
        Scatter {
            points: Vec::new(),
            points_dropped: false,
            column_ns: (expected_ns / i64::from(COLUMNS)).max(1),
            cells: vec![CellState::default(); (COLUMNS * ROWS) as usize],
        }
    }

    pub fn record(&mut self, point: ScatterPoint) {
        if !self.points_dropped {
            if self.points.len() < POINT_CAP {
                self.points.push(point);
            } else {
                self.points = Vec::new();
                self.points_dropped = true;
            }
        }
        let start = point.start_ns.max(0);
        while start / self.column_ns >= i64::from(COLUMNS) {
            self.fold();
        }
        let column = (start / self.column_ns) as u32;
        let row = row_of(point.duration_ns);
        self.cells[(column * ROWS + row) as usize].offer(&point);
    }

    /// Doubles the column width: column `c` becomes the merge of columns `2c` and `2c + 1`.
    fn fold(&mut self) {
        for column in 0..COLUMNS {
            for row in 0..ROWS {
                let target = (column * ROWS + row) as usize;
                let mut merged = CellState::default();
                for source_column in [2 * column, 2 * column + 1] {
                    if source_column < COLUMNS {
                        let source = self.cells[(source_column * ROWS + row) as usize];
                        merged.merge(&source);
                    }
                }
                self.cells[target] = merged;
            }
        }
        self.column_ns = self.column_ns.saturating_mul(2);
    }

    pub fn report(&self) -> ScatterReport {
        let mut points = self.points.clone();
        points.sort_unstable_by_key(|point| point.request);
        let cells = self
            .cells
            .iter()
            .enumerate()
            .filter(|(_, cell)| cell.count > 0)
            .map(|(idx, cell)| {
                let (column, row) = (idx as u32 / ROWS, idx as u32 % ROWS);
                let (duration_floor_ns, duration_ceil_ns) = row_bounds(row);
                ScatterCell {
                    column,
                    row,
                    start_ns: i64::from(column) * self.column_ns,
                    duration_floor_ns,
                    duration_ceil_ns,
                    count: cell.count,
                    errors: cell.errors,
                    request: cell.request,
                    request_duration_ns: cell.duration_ns,
                    request_failed: cell.failed,
                }
            })
            .collect();
        ScatterReport { points, columns: COLUMNS, rows: ROWS, column_ns: self.column_ns, cells }
    }
}

/// The row of a duration: 8 rows per power of two, clamped to the grid.
pub fn row_of(duration_ns: i64) -> u32 {
    let value = duration_ns.max(1) as u64;
    let power = 63 - value.leading_zeros();
    if power < MIN_POWER {
        return 0;
    }
    if power >= MAX_POWER {
        return ROWS - 1;
    }
    let sub = (value >> (power - ROW_BITS)) as u32 & (ROWS_PER_POWER - 1);
    (power - MIN_POWER) * ROWS_PER_POWER + sub
}

/// The durations a row holds (inclusive).
pub fn row_bounds(row: u32) -> (i64, i64) {
    let power = MIN_POWER + row / ROWS_PER_POWER;
    let sub = u64::from(row % ROWS_PER_POWER);
    let floor = (1u64 << power) | (sub << (power - ROW_BITS));
    let ceil = floor + (1u64 << (power - ROW_BITS)) - 1;
    (floor as i64, ceil as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(request: u64, start_ns: i64, duration_ns: i64, failed: bool) -> ScatterPoint {
        ScatterPoint { request, start_ns, duration_ns, failed }
    }

    #[test]
    fn rows_hold_their_durations_and_clamp_at_the_ends() {
        for duration in [1_024i64, 1_500, 40_000_000, 123_456_789, (1 << 40) - 1] {
            let (floor, ceil) = row_bounds(row_of(duration));
            assert!((floor..=ceil).contains(&duration), "{duration} in {floor}..={ceil}");
        }
        assert_eq!(row_of(0), 0);
        assert_eq!(row_of(-5), 0);
        assert_eq!(row_of(i64::MAX), ROWS - 1);
    }

    #[test]
    fn a_cell_shows_its_slowest_error_before_any_slower_success() {
        let mut scatter = Scatter::new(1_000_000);
        scatter.record(point(1, 10, 5_000_000, false));
        scatter.record(point(2, 11, 4_900_000, true));
        scatter.record(point(3, 12, 5_100_000, false));
        let report = scatter.report();
        let cell = report.cells.iter().find(|cell| cell.count >= 2).expect("a shared cell");
        assert_eq!((cell.request, cell.errors, cell.request_failed), (2, 1, true));
        assert_eq!(report.points.len(), 3, "few requests: every one is a point");
    }

    #[test]
    fn late_starts_fold_the_columns_and_nothing_is_lost() {
        let mut scatter = Scatter::new(200);
        for request in 0..(POINT_CAP as u64 + 10) {
            scatter.record(point(request, request as i64 * 7, 2_000 + request as i64, request % 97 == 0));
        }
        let report = scatter.report();
        assert!(report.points.is_empty(), "past the cap the points give way to the grid");
        assert!(report.column_ns >= 7 * POINT_CAP as i64 / i64::from(COLUMNS));
        let total: u64 = report.cells.iter().map(|cell| u64::from(cell.count)).sum();
        let errors: u64 = report.cells.iter().map(|cell| u64::from(cell.errors)).sum();
        assert_eq!(total, POINT_CAP as u64 + 10);
        assert_eq!(errors, (0..POINT_CAP as u64 + 10).filter(|request| request % 97 == 0).count() as u64);
        for cell in &report.cells {
            let (floor, ceil) = (cell.duration_floor_ns, cell.duration_ceil_ns);
            assert!((floor..=ceil).contains(&cell.request_duration_ns), "the dot is a request of the cell");
            assert!(cell.column < COLUMNS);
        }
    }
}
