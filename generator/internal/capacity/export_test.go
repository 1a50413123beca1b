package capacity

// PlaceExhaustive is Place trying every node for every pod, as the
// scheduler does, without the shortcut of Placement.best.
func (a *Analysis) PlaceExhaustive(size Size) *Placement { return a.place(size, true) }
