//! The built-in rules are embedded with `include_dir!`, which cargo does not track: rebuild when
//! anything under rules/ changes, so a new or edited rule is never silently left out.
fn main() {
    println!("cargo:rerun-if-changed=rules");
}
