module attributes {hybrid.model = {name = "m"}} {
}
