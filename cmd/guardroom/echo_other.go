//go:build !linux

package main

// echoOff is a no-op here: term.ReadPassword turns the echo off itself,
// just after the prompt shows.
func echoOff(int) (restore func(), err error) { return func() {}, nil }
