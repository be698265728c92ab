//! MIME type of binary leaves, as DataProtector's `extractDataSchema` guesses it: the first
//! guess of the `magic-bytes.js` library (1.13) that is in the supported list, else
//! `application/octet-stream`.
//!
//! How the reference guesses (facts observed on magic-bytes.js 1.13.1): signatures are grouped
//! by offset; the groups with an offset (only offset 4 matters here) are reported before the
//! offset-0 group; within a group, only the longest signature fully present in the input counts
//! (a longer signature of an unsupported type shadows a shorter supported one, e.g. `ftypqt`
//! at offset 4 is QuickTime, not MP4). Quirks kept on purpose: any input starting with `G`
//! (0x47, an MPEG transport-stream sync byte) is `video/mpeg` unless it is a full `GIF87a` or
//! `GIF89a` header.

use std::fmt;

/// Bytes needed to detect the MIME type: detection on the first `MIME_SNIFF_LEN` bytes equals
/// detection on the whole content.
pub const MIME_SNIFF_LEN: usize = 12;

/// The MIME types DataProtector supports for binary leaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MimeType {
    /// `application/octet-stream` (fallback).
    OctetStream,
    /// `application/pdf`.
    Pdf,
    /// `application/xml`.
    Xml,
    /// `application/zip`.
    Zip,
    /// `audio/midi`.
    Midi,
    /// `audio/mpeg`.
    AudioMpeg,
    /// `audio/x-wav`.
    Wav,
    /// `image/bmp`.
    Bmp,
    /// `image/gif`.
    Gif,
    /// `image/jpeg`.
    Jpeg,
    /// `image/png`.
    Png,
    /// `image/webp`.
    Webp,
    /// `video/mp4`.
    Mp4,
    /// `video/mpeg`.
    VideoMpeg,
    /// `video/x-msvideo`.
    Avi,
}

impl MimeType {
    /// Every supported type, in the reference's list order.
    pub const ALL: [Self; 15] = [
        Self::OctetStream,
        Self::Pdf,
        Self::Xml,
        Self::Zip,
        Self::Midi,
        Self::AudioMpeg,
        Self::Wav,
        Self::Bmp,
        Self::Gif,
        Self::Jpeg,
        Self::Png,
        Self::Webp,
        Self::Mp4,
        Self::VideoMpeg,
        Self::Avi,
    ];

    /// The MIME type string.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::OctetStream => "application/octet-stream",
            Self::Pdf => "application/pdf",
            Self::Xml => "application/xml",
            Self::Zip => "application/zip",
            Self::Midi => "audio/midi",
            Self::AudioMpeg => "audio/mpeg",
            Self::Wav => "audio/x-wav",
            Self::Bmp => "image/bmp",
            Self::Gif => "image/gif",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Mp4 => "video/mp4",
            Self::VideoMpeg => "video/mpeg",
            Self::Avi => "video/x-msvideo",
        }
    }

    /// Parses a supported MIME type string (exact match).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

impl fmt::Display for MimeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A signature: `bytes` at `offset`, positions in `wild` match any byte. `mime: None` marks a
/// signature of an unsupported type that shadows a shorter supported one.
struct Signature {
    offset: usize,
    bytes: &'static [u8],
    wild: (usize, usize),
    mime: Option<MimeType>,
}

const fn sig(offset: usize, bytes: &'static [u8], mime: Option<MimeType>) -> Signature {
    Signature {
        offset,
        bytes,
        wild: (0, 0),
        mime,
    }
}

/// RIFF container: `RIFF`, 4 size bytes, then the form type.
const fn riff(bytes: &'static [u8; 12], mime: MimeType) -> Signature {
    Signature {
        offset: 0,
        bytes,
        wild: (4, 8),
        mime: Some(mime),
    }
}

use MimeType as M;

/// Offset groups in the order the reference reports them.
const GROUP_OFFSETS: [usize; 2] = [4, 0];

const SIGNATURES: &[Signature] = &[
    // ISO base media (offset 4): `ftyp` is MP4 unless a longer brand names another type.
    sig(4, b"ftyp", Some(M::Mp4)),
    sig(4, b"ftypmif1", None), // HEIF
    sig(4, b"ftypheic", None), // HEIF
    sig(4, b"ftypavif", None), // AVIF
    sig(4, b"ftypqt", None),   // QuickTime
    sig(0, b"%PDF", Some(M::Pdf)),
    sig(0, b"\xEF\xBB\xBF%PDF", Some(M::Pdf)),
    sig(0, b"<?xml ", Some(M::Xml)),
    sig(0, b"PK\x03\x04", Some(M::Zip)),
    sig(0, b"PK\x05\x06", Some(M::Zip)),
    sig(0, b"PK\x07\x08", Some(M::Zip)),
    sig(0, b"MThd", Some(M::Midi)),
    sig(0, b"ID3", Some(M::AudioMpeg)),
    sig(0, b"\xFF\xFB", Some(M::AudioMpeg)),
    sig(0, b"\xFF\xF3", Some(M::AudioMpeg)),
    sig(0, b"\xFF\xF2", Some(M::AudioMpeg)),
    riff(b"RIFF\0\0\0\0WAVE", M::Wav),
    riff(b"RIFF\0\0\0\0WEBP", M::Webp),
    riff(b"RIFF\0\0\0\0AVI ", M::Avi),
    sig(0, b"BM", Some(M::Bmp)),
    sig(0, b"GIF87a", Some(M::Gif)),
    sig(0, b"GIF89a", Some(M::Gif)),
    sig(0, b"G", Some(M::VideoMpeg)),
    sig(0, b"\xFF\xD8\xFF", Some(M::Jpeg)),
    sig(0, b"\x89PNG\r\n\x1A\n", Some(M::Png)),
    sig(0, b"\0\0\x01\xBA", Some(M::VideoMpeg)),
    sig(0, b"\0\0\x01\xB3", Some(M::VideoMpeg)),
    sig(0, b"SP01", Some(M::OctetStream)),
];

impl Signature {
    fn matches(&self, data: &[u8]) -> bool {
        let Some(window) = data.get(self.offset..self.offset + self.bytes.len()) else {
            return false;
        };
        window
            .iter()
            .zip(self.bytes)
            .enumerate()
            .all(|(i, (got, want))| (self.wild.0..self.wild.1).contains(&i) || got == want)
    }
}

/// Detects the MIME type of a binary leaf exactly as DataProtector's `extractDataSchema` does
/// (see the module documentation). Only the first [`MIME_SNIFF_LEN`] bytes matter.
pub fn detect_mime(data: &[u8]) -> MimeType {
    for offset in GROUP_OFFSETS {
        let longest = SIGNATURES
            .iter()
            .filter(|s| s.offset == offset && s.matches(data))
            .max_by_key(|s| s.bytes.len());
        if let Some(Signature {
            mime: Some(mime), ..
        }) = longest
        {
            return *mime;
        }
    }
    MimeType::OctetStream
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniff_len_covers_every_signature() {
        for s in SIGNATURES {
            assert!(s.offset + s.bytes.len() <= MIME_SNIFF_LEN);
        }
    }

    #[test]
    fn names_round_trip() {
        for m in MimeType::ALL {
            assert_eq!(MimeType::parse(m.as_str()), Some(m));
        }
        assert_eq!(MimeType::parse("image/svg+xml"), None);
    }

    #[test]
    fn longest_signature_wins_within_a_group() {
        assert_eq!(detect_mime(b"GIF89a..."), MimeType::Gif);
        assert_eq!(detect_mime(b"GIF88a..."), MimeType::VideoMpeg);
        assert_eq!(detect_mime(b"\0\0\0\x20ftypisom"), MimeType::Mp4);
        assert_eq!(detect_mime(b"\0\0\0\x14ftypqt  "), MimeType::OctetStream);
        assert_eq!(detect_mime(b"\0\0\0\x14ftypq"), MimeType::Mp4);
    }

    #[test]
    fn offset_group_first() {
        assert_eq!(detect_mime(b"RIFFftypWAVE"), MimeType::Mp4);
        assert_eq!(detect_mime(b"%PDFftyp"), MimeType::Mp4);
        assert_eq!(detect_mime(b"%PDFftypheic"), MimeType::Pdf);
    }
}
