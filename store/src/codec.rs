//! How an inventory is kept in a store: JSON (the output contract, so any
//! version of lambda-audit that reads reports reads it), zlib-compressed
//! (inventories repeat paths and names: about a tenth of the size).

use analyzer::inventory::Inventory;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use flate2::Compression;
use std::io::Read;

/// The stored form of `inventory`.
pub fn encode(inventory: &Inventory) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::fast());
    // Writing into a Vec cannot fail, nor can serialising an inventory.
    let _ = serde_json::to_writer(&mut encoder, inventory);
    encoder.finish().unwrap_or_default()
}

/// An inventory back from its stored form.
pub fn decode(bytes: &[u8]) -> Result<Inventory, String> {
    let mut json = Vec::with_capacity(bytes.len() * 8);
    ZlibDecoder::new(bytes)
        .read_to_end(&mut json)
        .map_err(|e| format!("not zlib data: {e}"))?;
    serde_json::from_slice(&json).map_err(|e| format!("not an inventory: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_garbage() {
        let inv = Inventory::default();
        let back = decode(&encode(&inv)).unwrap();
        assert_eq!(back.packages, inv.packages);
        assert!(decode(b"nope").unwrap_err().starts_with("not zlib data"));
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::fast());
        std::io::Write::write_all(&mut encoder, b"[1]").unwrap();
        assert!(decode(&encoder.finish().unwrap())
            .unwrap_err()
            .starts_with("not an inventory"));
    }
}
