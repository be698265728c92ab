//! scrypt (Percival 2009 / RFC 7914 without the `n < 2^(16·r)` restriction), used only for the
//! parameters the `scrypt` crate refuses, e.g. the Web3 Secret Storage test vector (n = 2^18,
//! r = 1, p = 8), which geth and ethers accept. Callers bound n·r·p beforehand.

use pbkdf2::pbkdf2_hmac;
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

/// A 64-byte Salsa20 block as little-endian words.
type Block = [u32; 16];

/// scrypt(password, salt, n = 2^log_n, r, p) into `out`.
pub(super) fn scrypt(password: &[u8], salt: &[u8], log_n: u8, r: u32, p: u32, out: &mut [u8]) {
    let n = 1usize << log_n;
    let blocks = 2 * r as usize; // 64-byte blocks per scrypt block
    let mut b = Zeroizing::new(vec![0u8; p as usize * blocks * 64]);
    pbkdf2_hmac::<Sha256>(password, salt, 1, &mut b);

    let mut x = Zeroizing::new(vec![[0u32; 16]; blocks]);
    let mut y = Zeroizing::new(vec![[0u32; 16]; blocks]);
    let mut v = Zeroizing::new(vec![[0u32; 16]; n * blocks]);
    for chunk in b.chunks_exact_mut(blocks * 64) {
        for (word, bytes) in x.iter_mut().flatten().zip(chunk.chunks_exact(4)) {
            *word = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        ro_mix(&mut x, &mut y, &mut v, n);
        for (word, bytes) in x.iter().flatten().zip(chunk.chunks_exact_mut(4)) {
            bytes.copy_from_slice(&word.to_le_bytes());
        }
    }
    pbkdf2_hmac::<Sha256>(password, &b, 1, out);
}

/// ROMix on one scrypt block `x` (2r Salsa blocks); `v` holds n scrypt blocks.
fn ro_mix(x: &mut [Block], y: &mut [Block], v: &mut [Block], n: usize) {
    let len = x.len();
    for slot in v.chunks_exact_mut(len) {
        slot.copy_from_slice(x);
        block_mix(x, y);
        x.copy_from_slice(y);
    }
    for _ in 0..n {
        // Integerify: first word of the last Salsa block, modulo n (a power of two).
        let j = x.last().map_or(0, |last| last[0] as usize) & (n - 1);
        for (xb, vb) in x.iter_mut().zip(&v[j * len..(j + 1) * len]) {
            for (xw, vw) in xb.iter_mut().zip(vb) {
                *xw ^= vw;
            }
        }
        block_mix(x, y);
        x.copy_from_slice(y);
    }
}

/// BlockMix: `y` gets the even-indexed outputs first, then the odd-indexed ones.
fn block_mix(input: &[Block], out: &mut [Block]) {
    let half = input.len() / 2;
    let mut t = input.last().copied().unwrap_or([0; 16]);
    for (i, block) in input.iter().enumerate() {
        for (tw, bw) in t.iter_mut().zip(block) {
            *tw ^= bw;
        }
        salsa20_8(&mut t);
        let dst = if i % 2 == 0 { i / 2 } else { half + i / 2 };
        out[dst] = t;
    }
    t.zeroize();
}

/// The Salsa20/8 core, in place.
fn salsa20_8(b: &mut Block) {
    let mut x = *b;
    for _ in 0..4 {
        // Column round, then row round.
        quarter(&mut x, 0, 4, 8, 12);
        quarter(&mut x, 5, 9, 13, 1);
        quarter(&mut x, 10, 14, 2, 6);
        quarter(&mut x, 15, 3, 7, 11);
        quarter(&mut x, 0, 1, 2, 3);
        quarter(&mut x, 5, 6, 7, 4);
        quarter(&mut x, 10, 11, 8, 9);
        quarter(&mut x, 15, 12, 13, 14);
    }
    for (bw, xw) in b.iter_mut().zip(x) {
        *bw = bw.wrapping_add(xw);
    }
    x.zeroize();
}

#[inline(always)]
fn quarter(x: &mut Block, a: usize, b: usize, c: usize, d: usize) {
    x[b] ^= x[a].wrapping_add(x[d]).rotate_left(7);
    x[c] ^= x[b].wrapping_add(x[a]).rotate_left(9);
    x[d] ^= x[c].wrapping_add(x[b]).rotate_left(13);
    x[a] ^= x[d].wrapping_add(x[c]).rotate_left(18);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7914 §8: the Salsa20/8 core test vector.
    #[test]
    fn salsa20_8_rfc7914() {
        let input = alloy_primitives::hex!(
            "7e879a214f3ec9867ca940e641718f26baee555b8c61c1b50df846116dcd3b1d"
            "ee24f319df9b3d8514121e4b5ac5aa3276021d2909c74829edebc68db8b8c25e"
        );
        let expected = alloy_primitives::hex!(
            "a41f859c6608cc993b81cacb020cef05044b2181a2fd337dfd7b1c6396682f29"
            "b4393168e3c9e6bcfe6bc5b7a06d96bae424cc102c91745c24ad673dc7618f81"
        );
        let mut block = [0u32; 16];
        for (w, c) in block.iter_mut().zip(input.chunks_exact(4)) {
            *w = u32::from_le_bytes(c.try_into().unwrap());
        }
        salsa20_8(&mut block);
        let got: Vec<u8> = block.iter().flat_map(|w| w.to_le_bytes()).collect();
        assert_eq!(got, expected);
    }

    /// Agrees with the `scrypt` crate wherever that crate accepts the parameters.
    #[test]
    fn matches_scrypt_crate() {
        for (log_n, r, p) in [(1, 1, 1), (4, 1, 1), (10, 8, 2), (6, 2, 3), (8, 3, 1)] {
            let params = ::scrypt::Params::new(log_n, r, p, 32).unwrap();
            let mut expected = [0u8; 32];
            ::scrypt::scrypt(b"pass", b"salty", &params, &mut expected).unwrap();
            let mut got = [0u8; 32];
            scrypt(b"pass", b"salty", log_n, r, p, &mut got);
            assert_eq!(got, expected, "log_n={log_n} r={r} p={p}");
        }
    }

    /// RFC 7914 §12, second vector (64-byte output).
    #[test]
    fn rfc7914_password_nacl() {
        let mut out = [0u8; 64];
        scrypt(b"password", b"NaCl", 10, 8, 16, &mut out);
        assert_eq!(
            out,
            alloy_primitives::hex!(
                "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
                "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"
            )
        );
    }
}
