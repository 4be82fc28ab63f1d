/**
 * Entry point. Inside Salesforce's Lightning Container the panel talks to the Aura component
 * through the `lightning-container` package; opened anywhere else it says so.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { inLightningContainer, lightningContainerPort } from './lcc/lightning-container-port.js';
import { App } from './ui/App.js';
import { OutsideContainer } from './ui/OutsideContainer.js';
import './ui/panel.css';

const element = document.getElementById('root');
if (!element) throw new Error('[agent-panel] index.html has no #root element');
createRoot(element).render(
  <StrictMode>{inLightningContainer() ? <App port={lightningContainerPort} /> : <OutsideContainer />}</StrictMode>,
);
