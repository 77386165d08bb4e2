private import CZlib
func _probe() -> Int32 { var s = z_stream(); return cswy_deflateInit2(&s, 1, Z_DEFLATED, 31, 8, 0) }
