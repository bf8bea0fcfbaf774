//! Reads an Excel workbook's sheet (`.xlsx`, as Excel, WPS and GDAL write it) as a table: its first row
//! the column names, each later row a feature, cells read typed and written as the text a CSV cell would
//! hold (numbers as numbers, dates as `YYYY-MM-DD`), so a workbook goes through exactly the checks a CSV
//! does. Points come from longitude and latitude columns, or a WKT column.
//!
//! Bounded before any cell is read: the archive must unpack, member by member as it really unpacks
//! (never as its directory claims), within [`crate::limits::UNZIP_RATIO`] times its size, as a zipped
//! Shapefile must; cells are read one at a time (calamine's cell reader, never a dense range a crafted
//! `<dimension>` or a far cell could blow up), and a cell beyond [`crate::limits::SHEET_COLUMNS`]
//! columns is one problem.

use super::problem::Problem;
use super::source::{coordinate_columns, finish, table_headers, table_row, RawLayer};
use calamine::{DataRef, Reader, Xlsx};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

pub(super) fn read_xlsx(
    file: &str,
    bytes: &[u8],
    sheet: Option<&str>,
    column: &dyn Fn(&str) -> Option<&'static str>,
) -> Result<RawLayer, Vec<Problem>> {
    let refuse = |why: String| vec![Problem::file(file, why)];
    unpacks_within_bounds(bytes).map_err(refuse)?;
    let mut book = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| refuse(format!("不是 Excel 工作簿 not a readable .xlsx workbook: {e}")))?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(wanted) => names.iter().find(|n| n.as_str() == wanted).cloned().ok_or_else(|| {
            refuse(format!(
                "找不到工作表 the workbook has no sheet \"{wanted}\": it has {}",
                names.join(", ")
            ))
        })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| refuse("the workbook has no sheet".into()))?,
    };
    let mut cells = book
        .worksheet_cells_reader(&name)
        .map_err(|e| refuse(format!("sheet \"{name}\": {e}")))?;
    let mut rows: BTreeMap<u32, Vec<(u32, String)>> = BTreeMap::new();
    loop {
        let cell = match cells.next_cell() {
            Ok(Some(cell)) => cell,
            Ok(None) => break,
            Err(e) => return Err(refuse(format!("sheet \"{name}\" cannot be read: {e}"))),
        };
        let (row, col) = cell.get_position();
        if col as usize >= crate::limits::SHEET_COLUMNS {
            return Err(refuse(format!(
                "sheet \"{name}\" has a cell in column {}: carecircle reads at most {} columns",
                col + 1,
                crate::limits::SHEET_COLUMNS
            )));
        }
        let text = cell_text(cell.get_value());
        if !text.is_empty() {
            rows.entry(row).or_default().push((col, text));
        }
    }
    let mut rows = rows.into_iter();
    let Some((_, header_cells)) = rows.next() else {
        return Err(refuse(format!(
            "sheet \"{name}\" is empty: expected column names in its first row"
        )));
    };
    let width = header_cells.iter().map(|(c, _)| *c as usize + 1).max().unwrap_or(0);
    let mut names_in_order = vec![String::new(); width];
    for (c, text) in header_cells {
        names_in_order[c as usize] = text;
    }
    let headers = table_headers(names_in_order.into_iter(), column);
    let coordinates = coordinate_columns(file, &headers)?;
    let mut problems = Vec::new();
    let mut features = Vec::new();
    for (row, cells) in rows {
        let mut texts = vec![""; width];
        for (c, text) in &cells {
            match texts.get_mut(*c as usize) {
                Some(slot) => *slot = text,
                None => problems.push(Problem {
                    file: file.to_string(),
                    feature: Some(format!("row {}", row + 1)),
                    property: None,
                    message: format!("a value in column {}, which has no name in the first row", c + 1),
                }),
            }
        }
        features.push(table_row(
            file,
            format!("row {}", row + 1),
            &headers,
            &texts,
            coordinates,
            &mut problems,
        ));
    }
    finish(file, true, features, problems)
}

/// A cell as a CSV cell would hold it.
fn cell_text(value: &DataRef) -> String {
    match value {
        DataRef::Int(n) => n.to_string(),
        DataRef::Float(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{x:.0}"),
        DataRef::Float(x) => x.to_string(),
        DataRef::String(s) => s.trim().to_string(),
        DataRef::SharedString(s) => s.trim().to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) if d.is_datetime() => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{day:02}")
        }
        DataRef::DateTime(d) => d.as_f64().to_string(),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => format!("#{e:?}"),
        DataRef::Empty => String::new(),
    }
}

/// Unpacks every member of the archive, counting what it really unpacks to, and refuses it past the
/// bound a zipped Shapefile has.
fn unpacks_within_bounds(bytes: &[u8]) -> Result<(), String> {
    use crate::limits::{human, LAYER_BYTES, UNZIP_FLOOR_BYTES, UNZIP_RATIO};
    let allowed = (bytes.len() as u64)
        .saturating_mul(UNZIP_RATIO)
        .clamp(UNZIP_FLOOR_BYTES, LAYER_BYTES);
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("不是 Excel 工作簿 not a readable .xlsx workbook (an .xlsx is a ZIP archive): {e}"))?;
    let mut left = allowed;
    for i in 0..archive.len() {
        let entry = archive
            .by_index(i)
            .map_err(|e| format!("cannot open member {i} of the workbook: {e}"))?;
        let name = entry
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| format!("member {i}"));
        let unpacked = std::io::copy(&mut entry.take(left + 1), &mut std::io::sink())
            .map_err(|e| format!("cannot unpack {name}: {e}"))?;
        if unpacked > left {
            return Err(format!(
                "the workbook unpacks to more than {} ({UNZIP_RATIO} times its size, at most {}): refused as a zip bomb",
                human(allowed),
                human(LAYER_BYTES)
            ));
        }
        left -= unpacked;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workbook(rows: &[&[&str]]) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                match cell.parse::<f64>() {
                    Ok(x) => sheet.write_number(r as u32, c as u16, x).map(|_| ()),
                    Err(_) => sheet.write_string(r as u32, c as u16, *cell).map(|_| ()),
                }
                .unwrap();
            }
        }
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn a_ledger_sheet_is_read_as_a_csv_would_be() {
        let bytes = workbook(&[
            &["编号", "名称", "经度", "纬度", "床位数"],
            &["F1", "罗星站", "119.45", "25.99", "30"],
            &["F2", "马尾站", "119.46", "25.98", ""],
        ]);
        let column = |name: &str| {
            crate::fields::key_for("facilities", name).or(match name {
                "经度" => Some("lon"),
                "纬度" => Some("lat"),
                _ => None,
            })
        };
        let layer = read_xlsx("facilities.xlsx", &bytes, None, &column).unwrap();
        assert!(layer.problems.is_empty());
        assert_eq!(layer.features.len(), 2);
        let features: Vec<_> = layer.features.iter().collect();
        let first = &features[0].properties;
        assert_eq!(first.get("id").unwrap(), "F1");
        assert_eq!(first.get("beds").unwrap(), "30", "a whole number written as one");
        assert_eq!(
            features[1].properties.get("beds").unwrap(),
            "",
            "an empty cell, as an empty CSV cell"
        );
        assert_eq!(features[0].label, "row 2");
        let wrong_sheet = read_xlsx("facilities.xlsx", &bytes, Some("设施"), &column)
            .err()
            .unwrap();
        assert!(
            wrong_sheet[0].message.contains("no sheet \"设施\""),
            "{:?}",
            wrong_sheet
        );
    }

    #[test]
    fn what_is_no_workbook_is_one_problem() {
        let column = |_: &str| None;
        let refused = read_xlsx("f.xlsx", b"not a zip", None, &column).err().unwrap();
        assert_eq!(refused.len(), 1);
        assert!(refused[0].message.contains("not a readable .xlsx"), "{:?}", refused);
    }
}
