//! libFuzzer wrapper of [`iamwhy_fuzz::targets::iac_reader`], which says what it asserts.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    iamwhy_fuzz::targets::iac_reader::run(data);
});
