private import CPCRE2
func _probe() -> UInt32 { var e: Int32 = 0; var o = 0; let c = cswy_pcre2_compile("a", 1, 0, &e, &o); return c == nil ? 0 : 1 }
