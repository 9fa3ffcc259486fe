package stepfunctions

import (
	"container/heap"
	"sync"
	"time"
)

// Clock is the engine's source of time: Wait states, retry intervals, task and execution
// timeouts and history timestamps all read it.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer of a Clock.
type Timer interface {
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports false when it already fired.
	Stop() bool
}

// RealClock is wall-clock time.
type RealClock struct{}

// Now returns time.Now.
func (RealClock) Now() time.Time { return time.Now() }

// NewTimer returns a time.Timer.
func (RealClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (t realTimer) C() <-chan time.Time { return t.t.C }
func (t realTimer) Stop() bool          { return t.t.Stop() }

// FakeClock is a controlled clock for tests. Time stands still while any execution is doing
// work; as soon as every running execution is blocked on the clock (a Wait state, a retry
// interval, a task or execution timeout), it jumps to the earliest pending timer and fires it.
// So `"Seconds": 3600` takes no real time, and history timestamps still show the hour.
//
// A Lambda handler that is still running after HandlerGrace of real time is deemed blocked,
// so a handler that never returns meets its task's TimeoutSeconds, or its function's own
// timeout (WithTimeout, default MaxFunctionTimeout), whichever comes first. On a Task
// without TimeoutSeconds the function's timeout is set only once the handler has run for
// FunctionGrace of real time, so that a handler merely slow to be scheduled is not taken
// for one that hangs; it then fires at the start of the invocation plus the timeout, or at
// once if the clock is already past that.
//
// The engine tells the clock when it works through Hold and Release; callers outside the
// engine need neither, but may call Advance to move time by hand.
type FakeClock struct {
	// HandlerGrace is how long, in real time, a running handler counts as busy (default 200ms).
	HandlerGrace time.Duration
	// FunctionGrace is how long, in real time, a handler runs before its function's timeout
	// is set (default 1s).
	FunctionGrace time.Duration

	mu     sync.Mutex
	now    time.Time
	busy   int
	seq    int
	timers timerHeap
}

// NewFakeClock returns a FakeClock reading start.
func NewFakeClock(start time.Time) *FakeClock {
	return &FakeClock{now: start, HandlerGrace: 200 * time.Millisecond, FunctionGrace: time.Second}
}

// Now returns the clock's current time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer returns a timer firing when the clock reaches Now()+d.
func (c *FakeClock) NewTimer(d time.Duration) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &fakeTimer{c: c, when: c.now.Add(d), seq: c.seq, ch: make(chan time.Time, 1), index: -1}
	heap.Push(&c.timers, t)
	if c.busy == 0 {
		c.advanceLocked()
	}
	return t
}

// Hold marks one unit of work in progress: the clock does not move until it is released.
func (c *FakeClock) Hold() {
	c.mu.Lock()
	c.busy++
	c.mu.Unlock()
}

// Release ends one unit of work; when none is left the clock moves to the next timer.
func (c *FakeClock) Release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.busy--
	if c.busy < 0 {
		panic("sfnlocal: FakeClock released more than held")
	}
	if c.busy == 0 {
		c.advanceLocked()
	}
}

// Advance moves the clock forward by d, firing every timer due by then.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	target := c.now.Add(d)
	for len(c.timers) > 0 && !c.timers[0].when.After(target) {
		c.fireLocked(heap.Pop(&c.timers).(*fakeTimer))
	}
	c.now = target
}

// advanceLocked jumps to the earliest timer and fires every timer due at that instant. Each
// fired timer holds the clock on behalf of the goroutine it wakes, which inherits the hold.
func (c *FakeClock) advanceLocked() {
	if len(c.timers) == 0 {
		return
	}
	when := c.timers[0].when
	if when.After(c.now) {
		c.now = when
	}
	for len(c.timers) > 0 && !c.timers[0].when.After(c.now) {
		c.fireLocked(heap.Pop(&c.timers).(*fakeTimer))
	}
}

func (c *FakeClock) fireLocked(t *fakeTimer) {
	t.fired = true
	c.busy++
	t.ch <- c.now
}

type fakeTimer struct {
	c     *FakeClock
	when  time.Time
	seq   int
	ch    chan time.Time
	index int
	fired bool
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if t.fired {
		return false
	}
	if t.index >= 0 {
		heap.Remove(&t.c.timers, t.index)
	}
	t.fired = true
	return true
}

type timerHeap []*fakeTimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].when.Equal(h[j].when) {
		return h[i].seq < h[j].seq
	}
	return h[i].when.Before(h[j].when)
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *timerHeap) Push(x any) {
	t := x.(*fakeTimer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	t.index = -1
	*h = old[:len(old)-1]
	return t
}

// activity is how the engine reports work to a FakeClock; with a RealClock it does nothing.
type activity struct {
	fc *FakeClock
}

func (a activity) hold() {
	if a.fc != nil {
		a.fc.Hold()
	}
}

func (a activity) release() {
	if a.fc != nil {
		a.fc.Release()
	}
}

// functionGrace is how long a handler runs before its function's timeout is set: at once
// on a real clock.
func (a activity) functionGrace() time.Duration {
	if a.fc == nil {
		return 0
	}
	return a.fc.FunctionGrace
}

// deadline is a timer set at once, or only after a grace period of real time, that times
// from when the deadline was made: after the grace, the timer fires at the deadline's start
// plus d, or at once if the clock is past that.
type deadline struct {
	ready chan struct{} // closed once the timer is set
	grace *time.Timer

	mu      sync.Mutex
	t       Timer
	stopped bool
}

func newDeadline(c Clock, d, grace time.Duration) *deadline {
	dl := &deadline{ready: make(chan struct{})}
	if grace <= 0 {
		dl.t = c.NewTimer(d)
		close(dl.ready)
		return dl
	}
	start := c.Now()
	dl.grace = time.AfterFunc(grace, func() {
		dl.mu.Lock()
		defer dl.mu.Unlock()
		if dl.stopped {
			return
		}
		dl.t = c.NewTimer(max(0, d-c.Now().Sub(start)))
		close(dl.ready)
	})
	return dl
}

// C is the timer's channel, to read once ready is closed.
func (dl *deadline) C() <-chan time.Time {
	dl.mu.Lock()
	defer dl.mu.Unlock()
	return dl.t.C()
}

// Stop disarms the deadline; it reports false when the timer already fired.
func (dl *deadline) Stop() bool {
	dl.mu.Lock()
	dl.stopped = true
	t := dl.t
	dl.mu.Unlock()
	if dl.grace != nil {
		dl.grace.Stop()
	}
	return t == nil || t.Stop()
}

// lease is the hold a running handler has on a FakeClock. It lapses after HandlerGrace of
// real time; when the handler returns, its hold passes to the goroutine awaiting the result
// (re-taken if it had lapsed), unless that goroutine abandoned the wait.
type lease struct {
	a         activity
	mu        sync.Mutex
	holding   bool
	abandoned bool
	finished  bool
	timer     *time.Timer
}

func (a activity) newLease() *lease {
	l := &lease{a: a, holding: true}
	a.hold()
	if a.fc != nil {
		l.timer = time.AfterFunc(a.fc.HandlerGrace, l.lapse)
	}
	return l
}

func (l *lease) lapse() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.holding && !l.finished {
		l.holding = false
		l.a.release()
	}
}

// finish is called by the handler goroutine when the handler returns.
func (l *lease) finish() {
	if l.timer != nil {
		l.timer.Stop()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.finished = true
	switch {
	case l.abandoned && l.holding:
		l.holding = false
		l.a.release()
	case !l.abandoned && !l.holding:
		l.holding = true
		l.a.hold()
	}
}

// abandon is called by the waiting goroutine when it stops waiting for the handler.
func (l *lease) abandon() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.abandoned = true
	if l.finished && l.holding {
		l.holding = false
		l.a.release()
	}
}
