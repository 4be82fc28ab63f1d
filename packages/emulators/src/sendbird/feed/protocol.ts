/** The sandbox feed's wire shapes; they live in @sbsf/wire, shared with the sandbox chat pane. */
export * from '@sbsf/wire/sandbox-feed';
