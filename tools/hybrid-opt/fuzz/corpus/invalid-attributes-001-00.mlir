module attributes {hybrid.manifest = 1 : i64} {
}
