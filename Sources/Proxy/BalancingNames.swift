import Balancing

// Config names its upstream method enum `Balancing`, which hides this module's name in files importing both;
// these aliases let such files name Balancing's types unambiguously.
typealias BalancerStickyCookie = StickyCookie
