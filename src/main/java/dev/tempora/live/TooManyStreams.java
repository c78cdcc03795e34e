package dev.tempora.live;

/** Refused: as many event streams are open on this instance as it allows. */
class TooManyStreams extends RuntimeException {

    private static final long serialVersionUID = 1L;

    TooManyStreams(int max) {
        super("This instance already serves " + max + " event streams; try again later");
    }
}
