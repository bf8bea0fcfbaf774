//! Finds a font that draws Chinese, at run time. Without one, plotters would draw empty boxes in
//! place of every Chinese label, so carecircle refuses and names the package to install.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Where Debian and other systems put CJK fonts, most compact first.
const CANDIDATES: [&str; 6] = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
];

/// The environment variable naming a font file, as `--font` does.
pub const FONT_ENV: &str = "CARECIRCLE_FONT";

#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error(
        "找不到中文字体 no font that draws Chinese was found (looked for {looked}): install Debian's \
         fonts-wqy-microhei (apt-get install fonts-wqy-microhei) or fonts-noto-cjk, or name a .ttf/.ttc \
         file with --font or {FONT_ENV}"
    )]
    NotFound { looked: String },
    #[error("cannot read the font {path}: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("{path} does not draw Chinese (it has no glyph for 养): choose a CJK font such as wqy-microhei.ttc")]
    NoChinese { path: PathBuf },
}

/// The font file to use: `explicit`, else `$CARECIRCLE_FONT`, else the first installed candidate.
pub fn find_font(explicit: Option<&Path>) -> Result<PathBuf, FontError> {
    if let Some(path) = explicit {
        return Ok(path.to_path_buf());
    }
    if let Some(path) = std::env::var_os(FONT_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    CANDIDATES
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or_else(|| FontError::NotFound {
            looked: CANDIDATES.join(", "),
        })
}

static REGISTERED: OnceLock<PathBuf> = OnceLock::new();
static FACE: OnceLock<ab_glyph::FontRef<'static>> = OnceLock::new();

/// The registered font, for laying text out glyph by glyph.
pub(crate) fn face() -> Option<&'static ab_glyph::FontRef<'static>> {
    FACE.get()
}

/// Loads the font once per process and registers it with plotters as its `sans-serif` family.
pub fn register(path: &Path) -> Result<(), FontError> {
    if REGISTERED.get().is_some() {
        return Ok(());
    }
    let bytes = crate::limits::read_capped(path, crate::limits::FONT_BYTES).map_err(|e| FontError::Unreadable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    {
        use ab_glyph::Font;
        let font = ab_glyph::FontRef::try_from_slice(&bytes).map_err(|e| FontError::Unreadable {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        if font.glyph_id('养').0 == 0 {
            return Err(FontError::NoChinese {
                path: path.to_path_buf(),
            });
        }
    }
    // plotters keeps registered fonts for the life of the process: the bytes live as long.
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    for style in [plotters::style::FontStyle::Normal, plotters::style::FontStyle::Bold] {
        plotters::style::register_font("sans-serif", style, bytes).map_err(|_| FontError::Unreadable {
            path: path.to_path_buf(),
            reason: "not a TrueType/OpenType font".into(),
        })?;
    }
    if let Ok(face) = ab_glyph::FontRef::try_from_slice(bytes) {
        let _ = FACE.set(face);
    }
    let _ = REGISTERED.set(path.to_path_buf());
    Ok(())
}
