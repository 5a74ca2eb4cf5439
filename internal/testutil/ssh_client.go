package testutil

import (
	"io"
	"net"
	"time"

	"golang.org/x/crypto/ssh"
)

// SSHClient is a scripted SSH player for tests: it logs in with a
// password, asks for a pty and a shell, and keeps what the door writes in
// a transcript.
type SSHClient struct {
	client *ssh.Client
	sess   *ssh.Session
	stdin  io.WriteCloser
	transcript
}

// DialSSH logs in to the SSH door at addr as user with password,
// trusting any host key (the portal's is new each run unless it has a
// key file).
func DialSSH(addr, user, password string) (*SSHClient, error) {
	cfg := &ssh.ClientConfig{User: user, Auth: []ssh.AuthMethod{ssh.Password(password)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second} //nolint:gosec // a test client
	client, err := ssh.Dial("tcp", addr, cfg)
	if err != nil {
		return nil, err
	}
	c := &SSHClient{client: client}
	c.transcript.init()
	if err := c.start(); err != nil {
		_ = client.Close()
		return nil, err
	}
	return c, nil
}

// start opens the session with a pty and a shell.
func (c *SSHClient) start() error {
	var err error
	if c.sess, err = c.client.NewSession(); err != nil {
		return err
	}
	out, err := c.sess.StdoutPipe()
	if err != nil {
		return err
	}
	if c.stdin, err = c.sess.StdinPipe(); err != nil {
		return err
	}
	if err := c.sess.RequestPty("xterm-256color", 24, 80, ssh.TerminalModes{}); err != nil {
		return err
	}
	if err := c.sess.Shell(); err != nil {
		return err
	}
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := out.Read(b)
			if n > 0 {
				c.add(string(b[:n]))
			}
			if err != nil {
				c.fail(err)
				return
			}
		}
	}()
	return nil
}

// Send types one line (Enter is CR, as a terminal sends it).
func (c *SSHClient) Send(line string) error {
	_, err := c.stdin.Write([]byte(line + "\r"))
	return err
}

// Close ends the session and the connection.
func (c *SSHClient) Close() error { return c.client.Close() }

// LocalAddr is the client's address.
func (c *SSHClient) LocalAddr() net.Addr { return c.client.LocalAddr() }
