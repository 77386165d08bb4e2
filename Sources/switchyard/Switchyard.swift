@main
struct Switchyard {
    static func main() {}
}
