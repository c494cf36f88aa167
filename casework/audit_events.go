package casework

// The events of an audit, besides those of each image's scan (which carry the image's name).

// FleetPlan says how much an audit has to do: Images in all, of which Resumed were already
// recorded with the same input and rules (not scanned again), and about Bytes of layer
// streams to read, each distinct layer once; Estimated when some layer's size is a guess
// (its stored, compressed size scaled by what the layers read so far decompressed to). An
// audit sends it again as the estimate improves.
type FleetPlan struct {
	Images    int
	Resumed   int
	Bytes     int64
	Estimated bool
}

// ImageDone says one image of an audit is done: scanned, resumed, failed or interrupted (the
// fleet statuses).
type ImageDone struct {
	Image  string
	Status string
}

// InputSkipped says a path under the audited ones holds no image the audit can read, and why.
type InputSkipped struct {
	Path   string
	Reason string
}

// BlobRead says an audit's scan of Image began reading its layer Layer, whose stored bytes
// hash to Blob: the one event per layer read, so that reads can be counted by what they read.
type BlobRead struct {
	Image string
	Layer int
	Blob  string
}

func (FleetPlan) event()    {}
func (ImageDone) event()    {}
func (InputSkipped) event() {}
func (BlobRead) event()     {}
