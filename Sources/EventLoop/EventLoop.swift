private import CLibevent
func _probe() -> Int32 { cswy_errno() }
