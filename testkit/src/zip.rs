//! Small zips built in memory, for tests that need an archive of a few files.

use std::io::Write;

/// A deflated zip holding `files` (name, bytes), in that order.
pub fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in files {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("start a zip member");
        w.write_all(data).expect("write a zip member");
    }
    w.finish().expect("finish the zip").into_inner()
}
