//! libFuzzer wrapper of [`iamwhy_fuzz::targets::dir_walker`], which says what it asserts.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    iamwhy_fuzz::targets::dir_walker::run(data);
});
