package model

// Callback hooks into Fit, as Keras callbacks do. Embed CallbackBase to
// implement only the hooks you need. A callback stops training with
// Model().Stop().
type Callback interface {
	SetModel(m *Model)
	OnTrainBegin()
	OnEpochBegin(epoch int)
	OnBatchEnd(batch int, logs Logs)
	OnEpochEnd(epoch int, logs Logs)
	OnTrainEnd()
}

// CallbackBase implements every hook as a no-op and keeps the model.
type CallbackBase struct{ M *Model }

// SetModel records the model being trained.
func (c *CallbackBase) SetModel(m *Model) { c.M = m }

// OnTrainBegin does nothing.
func (c *CallbackBase) OnTrainBegin() {}

// OnEpochBegin does nothing.
func (c *CallbackBase) OnEpochBegin(int) {}

// OnBatchEnd does nothing.
func (c *CallbackBase) OnBatchEnd(int, Logs) {}

// OnEpochEnd does nothing.
func (c *CallbackBase) OnEpochEnd(int, Logs) {}

// OnTrainEnd does nothing.
func (c *CallbackBase) OnTrainEnd() {}

// EpochFunc is a callback from a function called at the end of each epoch.
type EpochFunc struct {
	CallbackBase
	F func(epoch int, logs Logs)
}

// OnEpochEnd calls F.
func (c *EpochFunc) OnEpochEnd(epoch int, logs Logs) { c.F(epoch, logs) }
