// Package access is the decision engine for people who open doors: it answers
// "may this person, presenting these credentials, pass this door in this
// direction now, and if not, why".
//
// The package is pure: it holds no store and does no I/O. The store persists
// the types defined here (Person, Group, TimeProfile, AccessLevel, Door) and
// builds an Engine from them with NewEngine, then keeps it current with
// SetPerson, RemovePerson and Reconfigure; Engine.Decide explains each
// decision step by step, and Engine.WhoCanOpen lists who may pass a door at a
// given time. Schedules are evaluated on the site's local wall clock; see
// docs/ACCESS.md for the model, the order of the rules and the DST rule.
package access
