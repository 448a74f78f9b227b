//! The index structure (postings to by_id), checked as it is first read:
//! each [`BLOCK`] bytes against its checksum in the blocks section, the
//! blocks section itself against the footer's checksum, once each, so that
//! opening an index costs the same whatever its size and a lookup pays only
//! for the pages it reads. Nothing read from a block is used before its
//! checksum matched; a block that fails is checked again (and fails again)
//! on every read, never remembered as good.

use super::format::{block_count, read_u64, Layout, Section, BLOCK, BLOCK_SUM};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use xxhash_rust::xxh3::xxh3_64;

/// Which blocks of an index's structure were found whole.
#[derive(Debug)]
pub(crate) struct Checked {
    structure: Section,
    blocks: Section,
    blocks_checksum: u64,
    /// Whether the blocks section matched the footer's checksum.
    table: OnceLock<bool>,
    /// One bit per block, set once it matched its checksum.
    whole: Vec<AtomicU64>,
}

impl Checked {
    /// Nothing checked yet, for the index laid out as `layout`.
    pub(crate) fn new(layout: &Layout) -> Checked {
        let count = block_count(layout.structure().len);
        Checked {
            structure: layout.structure(),
            blocks: layout.blocks,
            blocks_checksum: layout.blocks_checksum,
            table: OnceLock::new(),
            whole: (0..count.div_ceil(64)).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// Checks the blocks holding `range` of the file `file` (offsets in the
    /// file, inside the structure); the reason when one fails.
    pub(crate) fn check(&self, file: &[u8], range: Section) -> Result<(), String> {
        if range.offset < self.structure.offset || range.end() > self.structure.end() {
            return Err(format!(
                "bytes {}..{} lie outside the index structure",
                range.offset,
                range.end()
            ));
        }
        if range.len == 0 {
            return Ok(());
        }
        let first = (range.offset - self.structure.offset) / BLOCK as u64;
        let last = (range.end() - 1 - self.structure.offset) / BLOCK as u64;
        (first..=last).try_for_each(|block| self.check_block(file, block))
    }

    /// Checks every block: the whole structure.
    pub(crate) fn check_all(&self, file: &[u8]) -> Result<(), String> {
        self.check(file, self.structure)
    }

    fn check_block(&self, file: &[u8], block: u64) -> Result<(), String> {
        let (word, bit) = ((block / 64) as usize, 1u64 << (block % 64));
        if self.whole[word].load(Ordering::Acquire) & bit != 0 {
            return Ok(());
        }
        let blocks = &file[self.blocks.offset as usize..self.blocks.end() as usize];
        let table_whole = *self
            .table
            .get_or_init(|| xxh3_64(blocks) == self.blocks_checksum);
        if !table_whole {
            return Err("the index block checksums fail their checksum".into());
        }
        let start = self.structure.offset + block * BLOCK as u64;
        let end = (start + BLOCK as u64).min(self.structure.end());
        let expected = read_u64(blocks, block as usize * BLOCK_SUM);
        if xxh3_64(&file[start as usize..end as usize]) != expected {
            return Err(format!(
                "the index structure fails its checksum at bytes {start}..{end}"
            ));
        }
        self.whole[word].fetch_or(bit, Ordering::AcqRel);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::format::BlockSums;
    use super::*;

    /// A file of `structure` after 16 bytes, its blocks after it.
    fn index(structure: &[u8]) -> (Vec<u8>, Layout) {
        let mut sums = BlockSums::default();
        // In uneven pieces, as a builder writes them.
        for piece in structure.chunks(1000) {
            sums.update(piece);
        }
        let sums = sums.finish();
        let mut file = vec![0u8; 16];
        file.extend_from_slice(structure);
        let postings = Section {
            offset: 16,
            len: structure.len() as u64,
        };
        let blocks = Section {
            offset: postings.end(),
            len: sums.len() as u64,
        };
        file.extend_from_slice(&sums);
        let by_id = Section {
            offset: postings.end(),
            len: 0,
        };
        let layout = Layout {
            postings,
            by_id,
            blocks,
            blocks_checksum: xxh3_64(&sums),
            ..Layout::default()
        };
        (file, layout)
    }

    #[test]
    fn only_the_blocks_read_are_checked_and_a_changed_byte_fails_its_block() {
        let structure: Vec<u8> = (0..3 * BLOCK + 10).map(|i| (i % 251) as u8).collect();
        let (mut file, layout) = index(&structure);
        assert_eq!(layout.blocks.len, 4 * BLOCK_SUM as u64);
        let at = |offset: usize, len: usize| Section {
            offset: 16 + offset as u64,
            len: len as u64,
        };
        // A byte of the third block changed: the others still read.
        file[16 + 2 * BLOCK + 5] ^= 1;
        let checked = Checked::new(&layout);
        checked.check(&file, at(0, BLOCK)).unwrap();
        checked.check(&file, at(3 * BLOCK, 10)).unwrap();
        let err = checked.check(&file, at(BLOCK + 10, BLOCK)).unwrap_err();
        assert!(err.contains("fails its checksum"), "{err}");
        // Never remembered as good.
        assert!(checked.check(&file, at(2 * BLOCK, 1)).is_err());
        assert!(checked.check_all(&file).is_err());
        assert!(checked.check(&file, at(3 * BLOCK, 11)).is_err(), "outside");
        // A changed checksum table fails every block not yet found whole.
        let (mut file, layout) = index(&structure);
        let last = file.len() - 1;
        file[last] ^= 0x40;
        let err = Checked::new(&layout).check(&file, at(0, 1)).unwrap_err();
        assert!(err.contains("block checksums"), "{err}");
    }

    #[test]
    fn a_whole_structure_checks_in_any_order() {
        let structure: Vec<u8> = (0..2 * BLOCK).map(|i| (i * 7 % 256) as u8).collect();
        let (file, layout) = index(&structure);
        let checked = Checked::new(&layout);
        checked.check_all(&file).unwrap();
        checked.check_all(&file).unwrap();
    }
}
