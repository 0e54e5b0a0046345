//! libFuzzer wrapper of [`iamwhy_fuzz::targets::athena_results`], which says what it asserts.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    iamwhy_fuzz::targets::athena_results::run(data);
});
