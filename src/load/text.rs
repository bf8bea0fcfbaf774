//! A text layer's bytes as text, in whatever encoding a Chinese office's software saved it: UTF-8 (with
//! or without a byte-order mark), UTF-16 (as Excel's "Unicode text" writes it, marked), or GBK/GB18030
//! (as Chinese Excel's "CSV (逗号分隔)" writes it). Detected in that order — the mark, then a strict
//! UTF-8 reading, then GB18030, which holds GBK — or named (`encoding = "gbk"` in `dataset.toml`). A file
//! that is none of them is one problem naming what it is not, never one problem a row.

use std::borrow::Cow;

/// The encodings a text layer may be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    /// GB18030, which every GBK (and GB2312) file is too.
    Gb18030,
}

impl Encoding {
    /// An encoding by a name people write: `utf-8`, `utf-16`, `gbk`, `gb2312`, `gb18030`, `cp936`.
    pub fn parse(name: &str) -> Option<Encoding> {
        match name.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Some(Encoding::Utf8),
            "utf-16" | "utf16" | "utf-16le" | "unicode" => Some(Encoding::Utf16Le),
            "utf-16be" => Some(Encoding::Utf16Be),
            "gbk" | "gb2312" | "gb18030" | "cp936" | "936" => Some(Encoding::Gb18030),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
            Encoding::Gb18030 => "GB18030/GBK",
        }
    }

    fn codec(self) -> &'static encoding_rs::Encoding {
        match self {
            Encoding::Utf8 => encoding_rs::UTF_8,
            Encoding::Utf16Le => encoding_rs::UTF_16LE,
            Encoding::Utf16Be => encoding_rs::UTF_16BE,
            Encoding::Gb18030 => encoding_rs::GB18030,
        }
    }
}

/// The text of `bytes`, in `named` when given, else as detected, with the encoding it was read in; or why
/// it could not be read, in a sentence.
///
/// ```
/// use carecircle_core::load::text::{decode, Encoding};
/// let (gbk, _, _) = encoding_rs::GBK.encode("名称,经度\n罗星站,119.4\n");
/// let (text, found) = decode(&gbk, None).unwrap();
/// assert_eq!((text.as_ref(), found), ("名称,经度\n罗星站,119.4\n", Encoding::Gb18030));
/// assert_eq!(decode("\u{feff}id\n".as_bytes(), None).unwrap(), ("id\n".into(), Encoding::Utf8));
/// assert!(decode(&gbk, Some(Encoding::Utf8)).unwrap_err().contains("not UTF-8"));
/// ```
pub fn decode(bytes: &[u8], named: Option<Encoding>) -> Result<(Cow<'_, str>, Encoding), String> {
    let marked = match bytes {
        [0xEF, 0xBB, 0xBF, ..] => Some((Encoding::Utf8, 3)),
        [0xFF, 0xFE, ..] => Some((Encoding::Utf16Le, 2)),
        [0xFE, 0xFF, ..] => Some((Encoding::Utf16Be, 2)),
        _ => None,
    };
    let (encoding, body) = match (named, marked) {
        (Some(n), Some((m, skip))) if n == m => (n, &bytes[skip..]),
        (Some(n), Some((m, _))) => {
            return Err(format!(
                "编码不符 the file is marked as {} (its byte-order mark), not {} as dataset.toml says",
                m.name(),
                n.name()
            ))
        }
        (Some(n), None) => (n, bytes),
        (None, Some((m, skip))) => (m, &bytes[skip..]),
        (None, None) => match std::str::from_utf8(bytes) {
            Ok(text) => return Ok((Cow::Borrowed(text), Encoding::Utf8)),
            Err(_) => (Encoding::Gb18030, bytes),
        },
    };
    if encoding == Encoding::Utf8 {
        return std::str::from_utf8(body).map(|t| (Cow::Borrowed(t), encoding)).map_err(|e| {
            format!(
                "编码错误 the file is not UTF-8 (byte {} is not): save it as UTF-8, or name its encoding in dataset.toml (encoding = \"gbk\")",
                e.valid_up_to()
            )
        });
    }
    let (text, malformed) = encoding.codec().decode_without_bom_handling(body);
    if malformed {
        return Err(match (named, marked) {
            (None, None) => {
                "编码错误 the file is neither UTF-8 nor GB18030/GBK (nor marked as UTF-16): save it from Excel as \
                             \"CSV UTF-8 (逗号分隔)\", or name its encoding in dataset.toml"
                    .to_string()
            }
            _ => format!("编码错误 the file is not valid {}", encoding.name()),
        });
    }
    Ok((text, encoding))
}

/// The field separator of a CSV text: a tab where the header line has tabs and no comma (Excel's
/// "Unicode text"), else a comma.
pub fn separator(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    if header.contains('\t') && !header.contains(',') {
        b'\t'
    } else {
        b','
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str) -> Vec<u8> {
        let mut out = vec![0xFF, 0xFE];
        out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    #[test]
    fn each_encoding_excel_writes_is_read() {
        let text = "名称\t经度\t纬度\n罗星街道养老服务站\t119.45\t25.99\n";
        let bytes = utf16le(text);
        let (read, found) = decode(&bytes, None).unwrap();
        assert_eq!((read.as_ref(), found), (text, Encoding::Utf16Le));
        assert_eq!(separator(&read), b'\t');
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert_eq!(decode(&gbk, Some(Encoding::Gb18030)).unwrap().0, text);
        assert_eq!(decode(text.as_bytes(), None).unwrap().1, Encoding::Utf8);
        assert_eq!(separator("id,名称\tx\n"), b',');
    }

    #[test]
    fn what_is_none_of_them_is_one_sentence() {
        // 0xFF is not UTF-8, and no GB18030 byte either.
        let refused = decode(b"id,name\n1,\xff\xff", None).unwrap_err();
        assert!(refused.contains("neither UTF-8 nor GB18030"), "{refused}");
        let marked_otherwise = decode(&utf16le("id\n"), Some(Encoding::Gb18030)).unwrap_err();
        assert!(marked_otherwise.contains("marked as UTF-16LE"), "{marked_otherwise}");
        assert_eq!(Encoding::parse("GBK"), Some(Encoding::Gb18030));
        assert_eq!(Encoding::parse("latin1"), None);
    }
}
